export { KernelModule } from './kernel-module.js';
export type { KernelExports } from './exports.js';
export { KERNELS_WASM_URL, loadKernels } from './load.js';
export { foldBatchNorm } from './fold-batch-norm.js';
export { CondensedConv1x1, packCondensedConv1x1, type CondensedConv1x1Params, type PackedConv1x1 } from './condensed-conv1x1.js';
export { GroupedConv3x3, type GroupedConv3x3Params } from './grouped-conv3x3.js';
export { avgPool2x2 } from './avg-pool.js';
