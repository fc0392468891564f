import { beforeAll, describe, expect, it } from 'vitest';
import { testKernels } from '../../test-support/kernels.js';
import { randomArray, seededRandom } from '../../test-support/rng.js';
import type { KernelModule } from './kernel-module.js';

describe.each(['wasm', 'relaxed', 'js'] as const)('normReluMean kernel (%s)', (kind) => {
  let kernels: KernelModule;
  beforeAll(async () => {
    kernels = await testKernels(kind);
  });

  it.each([
    [5, 7],
    [49, 16],
    [1, 3],
  ])('is the mean over %i pixels of relu(x * scale + shift), %i channels (SIMD lanes and the scalar tail)', (pixels, channels) => {
    const rand = seededRandom(pixels * channels);
    const x = randomArray(pixels * channels, rand, -2, 2);
    const scale = randomArray(channels, rand, 0.5, 1.5);
    const shift = randomArray(channels, rand, -0.5, 0.5);
    const [xAt, scAt, shAt] = [kernels.put(x), kernels.put(scale), kernels.put(shift)];
    const yAt = kernels.alloc(channels * 4);
    kernels.exports.normReluMean(xAt, pixels, channels, scAt, shAt, yAt);
    const y = kernels.f32(yAt, channels).slice();
    for (const at of [xAt, scAt, shAt, yAt]) kernels.free(at);
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let p = 0; p < pixels; p++) sum += Math.max(x[p * channels + c] * scale[c] + shift[c], 0);
      expect(y[c]).toBeCloseTo(sum / pixels, 5);
    }
  });
});
