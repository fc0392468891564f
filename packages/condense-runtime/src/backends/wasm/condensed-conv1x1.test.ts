import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test-support/close.js';
import { testKernels } from '../../test-support/kernels.js';
import { condensedConv1x1Reference } from '../../test-support/nhwc-reference.js';
import { randomArray, randomBatchNorm, seededRandom } from '../../test-support/rng.js';
import { CondensedConv1x1, packCondensedConv1x1 } from './condensed-conv1x1.js';
import type { KernelModule } from './kernel-module.js';

const EPS = 1e-5;

describe.each(['wasm', 'relaxed', 'js'] as const)('condensedConv1x1 kernel (%s)', (kind) => {
  let kernels: KernelModule;
  beforeAll(async () => {
    kernels = await testKernels(kind);
  });

  it.each(Array.from({ length: 24 }, (_, i) => i))('matches gather-BN-ReLU-grouped conv-shuffle on random shape #%i', (seed) => {
    const rand = seededRandom(seed + 1);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const G = pick([4, 4, 8]);
    const K = 1 + Math.floor(rand() * 12);
    const kOut = pick([1, 2, 3, 4, 5, 8, 9]);
    const O = G * kOut;
    const R = G * K + Math.floor(rand() * 6);
    const xStride = R + Math.floor(rand() * 5);
    const spans = 1 + Math.floor(rand() * 3);
    const spanPixels = 1 + Math.floor(rand() * 5);
    const pixels = spans * spanPixels;
    const yOffset = Math.floor(rand() * 5);
    const yStride = yOffset + O + Math.floor(rand() * 3);
    // Output spans may sit apart, like the rows of a zero-bordered buffer's interior.
    const yPitch = (spanPixels + Math.floor(rand() * 3)) * yStride;
    const index = Int32Array.from({ length: G * K }, () => Math.floor(rand() * R));
    const norm = randomBatchNorm(G * K, rand);
    const weight = randomArray(O * K, rand);
    const after = seed % 2 === 0 ? randomBatchNorm(O, rand) : undefined;
    const x = randomArray(pixels * xStride, rand, -2, 2);

    const layer = new CondensedConv1x1(kernels, packCondensedConv1x1({ index, norm, weight, groups: G, epsilon: EPS, after }));
    const xAt = kernels.put(x);
    const yAt = kernels.alloc(spans * yPitch * 4);
    kernels.f32(yAt, spans * yPitch).fill(-7);
    layer.run(xAt, xStride, pixels, yAt, yStride, yOffset, { count: spans, yPitch });
    const y = kernels.f32(yAt, spans * yPitch).slice();
    layer.dispose();
    kernels.free(xAt);
    kernels.free(yAt);

    const expected = condensedConv1x1Reference(x, xStride, pixels, index, norm, weight, G, EPS, after);
    const written = new Float32Array(pixels * O);
    const touched = new Uint8Array(y.length);
    for (let p = 0; p < pixels; p++) {
      const at = Math.floor(p / spanPixels) * yPitch + (p % spanPixels) * yStride + yOffset;
      written.set(y.subarray(at, at + O), p * O);
      touched.fill(1, at, at + O);
    }
    touched.forEach((t, i) => {
      if (!t) expect(y[i]).toBe(-7);
    });
    expectClose(written, expected);
  });

  it('refuses group counts the lane layout cannot serve', () => {
    const norm = randomBatchNorm(6, seededRandom(1));
    expect(() => packCondensedConv1x1({ index: new Int32Array(6), norm, weight: new Float32Array(18), groups: 2, epsilon: EPS })).toThrow(
      /groups = 2.*multiple of 4/,
    );
  });

  it('refuses input rows narrower than the index reaches', () => {
    const norm = randomBatchNorm(4, seededRandom(2));
    const layer = new CondensedConv1x1(
      kernels,
      packCondensedConv1x1({ index: Int32Array.from([0, 9, 2, 3]), norm, weight: new Float32Array(4), groups: 4, epsilon: EPS }),
    );
    expect(() => layer.run(0, 8, 1, 0, 4, 0)).toThrow(/reads channel 9/);
  });
});
