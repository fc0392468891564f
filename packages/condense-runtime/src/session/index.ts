export { createSession, type Session, type SessionOptions } from './session.js';
export { kernelPathObstacle, WasmForward } from './wasm-forward.js';
export { TfjsForward } from './tfjs-forward.js';
