export { assertFullyCondensed } from './guard.js';
export { selectIndex } from './index-select.js';
export { repackGroupedWeight } from './repack.js';
export { gatherByIndex } from './gather.js';
export { invertPermutation, shufflePermutation } from './shuffle.js';
export { condenseLinear, condensingLinearIndex } from './condensing-linear.js';
export {
  convertLearnedGroupConv,
  type BatchNormParams,
  type ConvertedLearnedGroupConv,
} from './learned-group-conv.js';
