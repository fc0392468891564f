import type { BatchNormParams } from '@condensenet/core';
import { seededRandom } from '@condensenet/golden-fixtures';

export { seededRandom };

export function randomArray(n: number, rand: ReturnType<typeof seededRandom>, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rand(lo, hi));
}

/** A BatchNorm over n channels with random but valid statistics (positive variances). */
export function randomBatchNorm(n: number, rand: ReturnType<typeof seededRandom>): BatchNormParams {
  return {
    gamma: randomArray(n, rand, 0.5, 1.5),
    beta: randomArray(n, rand, -0.5, 0.5),
    runningMean: randomArray(n, rand, -0.3, 0.3),
    runningVar: randomArray(n, rand, 0.2, 2),
  };
}
