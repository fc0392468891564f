export { createSession, type Session, type SessionOptions } from './session.js';
export { kernelPathObstacle, KernelForward } from './kernel-forward.js';
export { TfjsForward } from './tfjs-forward.js';
