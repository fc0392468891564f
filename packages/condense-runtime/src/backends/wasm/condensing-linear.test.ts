import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test-support/close.js';
import { testKernels } from '../../test-support/kernels.js';
import { randomArray, seededRandom } from '../../test-support/rng.js';
import { CondensingLinear } from './condensing-linear.js';
import type { KernelModule } from './kernel-module.js';

describe.each(['wasm', 'js'] as const)('condensingLinear kernel (%s)', (kind) => {
  let kernels: KernelModule;
  beforeAll(async () => {
    kernels = await testKernels(kind);
  });

  // Kept counts on and off whole vectors, class counts on and off groups of four.
  it.each([
    { batch: 1, features: 12, kept: 8, classes: 4 },
    { batch: 3, features: 20, kept: 7, classes: 10 },
    { batch: 2, features: 9, kept: 1, classes: 3 },
    { batch: 2, features: 64, kept: 33, classes: 1000 },
  ])('is bias + weight x gathered features for $batch images, $kept of $features kept, $classes classes', ({ batch, features, kept, classes }) => {
    const rand = seededRandom(features * kept + classes);
    const index = Int32Array.from({ length: kept }, () => Math.floor(rand() * features));
    const weight = randomArray(classes * kept, rand);
    const bias = randomArray(classes, rand);
    const pooled = randomArray(batch * features, rand, 0, 2);
    const linear = new CondensingLinear(kernels, { index, weight, bias, features });
    const at = kernels.put(pooled);
    const before = kernels.liveAllocations;
    const y = linear.run(at, batch);
    expect(kernels.liveAllocations).toBe(before);
    linear.dispose();
    kernels.free(at);

    const expected = new Float32Array(batch * classes);
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < classes; o++) {
        let acc = bias[o];
        for (let t = 0; t < kept; t++) acc += weight[o * kept + t] * pooled[n * features + index[t]];
        expected[n * classes + o] = acc;
      }
    }
    expectClose(y, expected);
  });

  it('names the index entry outside the pooled features', () => {
    const args = { index: Int32Array.from([0, 5]), weight: new Float32Array(4), bias: new Float32Array(2), features: 5 };
    expect(() => new CondensingLinear(kernels, args)).toThrow(/index\[1\] = 5 is outside the 5 pooled features/);
  });
});
