import { resolveConfig, type CondenseNetConfigInput } from '@condensenet/core';
import { elementCount, expectedTensors } from '../artifact/expected.js';
import type { CondensedModel } from '../artifact/types.js';
import { randomArray, seededRandom } from './rng.js';

export const TINY: CondenseNetConfigInput = { stages: [2, 2], growth: [4, 8], poolSize: 16, numClasses: 3 };

/** A condensed model with random but valid tensors for `config` (positive variances, indices in range). */
export function randomCondensedModel(input: CondenseNetConfigInput = TINY, seed = 7): CondensedModel {
  const config = resolveConfig(input);
  const rand = seededRandom(seed);
  const tensors = new Map<string, Float32Array | Int32Array>();
  for (const t of expectedTensors(config).tensors) {
    const n = elementCount(t.shape);
    if (t.kind === 'int32') tensors.set(t.name, Int32Array.from({ length: n }, () => Math.floor(rand() * t.indexBound!)));
    else if (t.role === 'bn-running-var') tensors.set(t.name, randomArray(n, rand, 0.5, 2));
    else tensors.set(t.name, randomArray(n, rand));
  }
  return {
    config,
    batchNormEpsilon: 1e-5,
    normalization: { mean: [0.4914, 0.4824, 0.4467], std: [0.2471, 0.2435, 0.2616] },
    classes: Array.from({ length: config.numClasses }, (_, i) => `class ${i}`),
    tensors,
  };
}
