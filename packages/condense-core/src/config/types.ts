/** The input kinds of the reference: they fix input size, stem stride, final pool and classes. */
export type DataKind = 'cifar10' | 'cifar100' | 'imagenet';

export const DATA_KINDS: readonly DataKind[] = ['cifar10', 'cifar100', 'imagenet'];

/** A complete, validated CondenseNet configuration (what `resolveConfig` returns). */
export interface CondenseNetConfig {
  /** Dense layers per block. */
  stages: number[];
  /** Growth rate per block (same length as `stages`). */
  growth: number[];
  /** Bottleneck width factor b: the learned group conv emits b * growth channels. */
  bottleneck: number;
  /** Groups G of the learned 1x1 group convolutions. */
  group1x1: number;
  /** Groups of the standard 3x3 group convolutions. */
  group3x3: number;
  /** Condensation factor C: each group keeps R / C input channels at the end. */
  condenseFactor: number;
  /** Dropout rate before each learned 1x1 conv (0 = none). */
  dropout: number;
  numClasses: number;
  data: DataKind;
  /** Square input side in pixels. */
  inputSize: number;
  inputChannels: number;
  stemStride: number;
  /** Side of the final average pool; must equal the last block's spatial size. */
  poolSize: number;
}

/** What a user may pass: `stages` and `growth` are required, everything else has a default. */
export type CondenseNetConfigInput = Pick<CondenseNetConfig, 'stages' | 'growth'> &
  Partial<Omit<CondenseNetConfig, 'stages' | 'growth'>>;

export interface InputGeometry {
  inputSize: number;
  stemStride: number;
  poolSize: number;
  numClasses: number;
}

/** Spec section 1: CIFAR 32x32 / stride 1 / pool 8; ImageNet 224x224 / stride 2 / pool 7. */
export function inputGeometry(data: DataKind): InputGeometry {
  switch (data) {
    case 'cifar10':
      return { inputSize: 32, stemStride: 1, poolSize: 8, numClasses: 10 };
    case 'cifar100':
      return { inputSize: 32, stemStride: 1, poolSize: 8, numClasses: 100 };
    case 'imagenet':
      return { inputSize: 224, stemStride: 2, poolSize: 7, numClasses: 1000 };
  }
}

/**
 * Stem stride and final pool for a square input of any size: stride 2 for large inputs (as on
 * ImageNet) unless `stemStride` is given, then the side left after the stem and the 2x2 pools
 * between `blocks` blocks.
 */
export function geometryForInput(
  inputSize: number,
  blocks: number,
  stemStride = inputSize > 64 ? 2 : 1,
): { stemStride: number; poolSize: number } {
  let size = stemOutputSize(inputSize, stemStride);
  for (let i = 1; i < blocks; i++) size = Math.floor(size / 2);
  return { stemStride, poolSize: size };
}

/** Side of the stem's 3x3, pad 1 convolution's output. */
export function stemOutputSize(inputSize: number, stemStride: number): number {
  return Math.floor((inputSize + 2 - 3) / stemStride) + 1;
}

/** CondenseNet-N has N = 2 * sum(stages) + 2 layers with weights. */
export function depthOf(config: Pick<CondenseNetConfig, 'stages'>): number {
  return 2 * config.stages.reduce((a, b) => a + b, 0) + 2;
}
