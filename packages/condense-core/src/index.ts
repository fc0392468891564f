export * from './config/index.js';
export * from './plan/index.js';
export * from './cost/index.js';
export * from './condensation/index.js';
export * from './conversion/index.js';
export * from './layout/index.js';
export * from './schedule/index.js';
export * from './numeric/index.js';
