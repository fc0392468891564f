import type { DataKind } from './types.js';

export interface Normalization {
  /** Per input channel, of pixel / 255. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * What the reference's main.py normalises each data kind with (transforms.Normalize after
 * ToTensor): a model trained there expects exactly these numbers at inference.
 */
export function referenceNormalization(data: DataKind): Normalization {
  switch (data) {
    case 'cifar10':
      return { mean: [0.4914, 0.4824, 0.4467], std: [0.2471, 0.2435, 0.2616] };
    case 'cifar100':
      return { mean: [0.5071, 0.4867, 0.4408], std: [0.2675, 0.2565, 0.2761] };
    case 'imagenet':
      return { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  }
}
