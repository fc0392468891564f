export * from './artifact/index.js';
export { createSession, type Session, type SessionOptions } from './session/session.js';
export type { SessionPath } from './backends/backend.js';
export { KernelModule } from './backends/wasm/kernel-module.js';
export { loadKernels } from './backends/wasm/load.js';
export { browserThreadHost } from './backends/wasm/browser-threads.js';
export type { ThreadHost } from './backends/wasm/thread-host.js';
export * from './api/index.js';
export * from './preprocess/index.js';
