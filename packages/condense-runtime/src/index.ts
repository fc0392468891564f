export * from './artifact/index.js';
export * from './kernels/index.js';
export * from './session/index.js';
export * from './api/index.js';
