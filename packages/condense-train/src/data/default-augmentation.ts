import type { Augmentation } from './augment.js';
import type { Dataset } from './dataset.js';

/**
 * The reference's CIFAR augmentation (4-pixel zero padding, random crop, flip), scaled to the
 * image size; digits are not flipped (a mirrored 2 is not a 2).
 */
export function defaultAugmentation(dataset: Dataset): Augmentation {
  const padding = Math.max(1, Math.round((dataset.height * 4) / 32));
  return { padding, flip: dataset.name !== 'mnist' };
}
