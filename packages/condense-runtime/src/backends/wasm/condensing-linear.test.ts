import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test-support/close.js';
import { testKernels } from '../../test-support/kernels.js';
import { randomArray, seededRandom } from '../../test-support/rng.js';
import { CondensingLinear } from './condensing-linear.js';
import type { KernelModule } from './kernel-module.js';

describe.each(['wasm', 'relaxed', 'js'] as const)('condensingLinear kernel (%s)', (kind) => {
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

  it.each([1, 2, 3, 5])('split into %i parts of whole blocks of four classes (the last with the rest), writes every logit as one call does, bit for bit', (parts) => {
    const rand = seededRandom(parts);
    const [features, kept, classes] = [40, 21, 23];
    const index = Int32Array.from({ length: kept }, () => Math.floor(rand() * features));
    const linear = new CondensingLinear(kernels, { index, weight: randomArray(classes * kept, rand), bias: randomArray(classes, rand), features });
    const x = kernels.put(randomArray(2 * features, rand, 0, 2));
    const y = kernels.alloc(2 * classes * 4);
    const scratch = kernels.alloc(linear.scratchBytes);
    const whole = linear.run(x, 2);
    kernels.f32(y, 2 * classes).fill(Number.NaN);
    const covered: number[] = [];
    for (let part = 0; part < parts; part++) {
      const a = linear.args(x, features * 4, y, classes * 4, part, parts, scratch);
      if (!a) continue;
      covered.push(a[7]);
      for (const n of [0, 1]) kernels.exports.condensingLinear(a[0] + n * a[1], 1, a[2], a[3], a[4], a[5], a[6], a[7], a[8] + n * a[9], a[10]);
    }
    expect(covered.reduce((s, c) => s + c, 0)).toBe(classes);
    expect(kernels.f32(y, 2 * classes).slice()).toEqual(whole);
    for (const at of [x, y, scratch]) kernels.free(at);
    linear.dispose();
  });

  it('names the index entry outside the pooled features', () => {
    const args = { index: Int32Array.from([0, 5]), weight: new Float32Array(4), bias: new Float32Array(2), features: 5 };
    expect(() => new CondensingLinear(kernels, args)).toThrow(/index\[1\] = 5 is outside the 5 pooled features/);
  });
});
