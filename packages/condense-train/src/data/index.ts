export type { Dataset, DatasetSource, Split, SplitName } from './dataset.js';
export { Rng, type RngState } from './rng.js';
export { memorySplit, padSplit, stratifiedSplit, subsetSplit } from './split.js';
export { CIFAR_AUGMENTATION, augmentImage, cropAndFlip, normalizationTable, normalizeInto, type Augmentation } from './augment.js';
export { BatchIterator, type Batch, type BatchIteratorState, type BatchOptions } from './batches.js';
export { CIFAR_MEAN, CIFAR_STD, cifar10, cifar100 } from './cifar.js';
