import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test-support/close.js';
import { testKernels } from '../../test-support/kernels.js';
import { randomArray, seededRandom } from '../../test-support/rng.js';
import { avgPool2x2 } from './avg-pool.js';
import type { KernelModule } from './kernel-module.js';

describe.each(['wasm', 'relaxed', 'js'] as const)('avgPool2x2 kernel (%s)', (kind) => {
  let kernels: KernelModule;
  beforeAll(async () => {
    kernels = await testKernels(kind);
  });

  it.each([
    [1, 4, 4, 8, 8, 12],
    [2, 5, 7, 6, 9, 6],
    [3, 8, 8, 3, 3, 5],
  ])('pools N=%i %ix%i, %i channels of rows %i into rows %i', (batch, height, width, channels, xStride, yStride) => {
    const rand = seededRandom(batch * 100 + channels);
    const x = randomArray(batch * height * width * xStride, rand);
    const oh = height >> 1;
    const ow = width >> 1;
    const xAt = kernels.put(x);
    const yAt = kernels.alloc(batch * oh * ow * yStride * 4);
    kernels.f32(yAt, batch * oh * ow * yStride).fill(-7);
    avgPool2x2(kernels, xAt, batch, height, width, channels, xStride, yAt, yStride);
    const y = kernels.f32(yAt, batch * oh * ow * yStride);
    const got: number[] = [];
    const want: number[] = [];
    for (let n = 0; n < batch; n++) {
      for (let h = 0; h < oh; h++) {
        for (let w = 0; w < ow; w++) {
          const o = ((n * oh + h) * ow + w) * yStride;
          for (let c = 0; c < yStride; c++) {
            if (c >= channels) {
              expect(y[o + c]).toBe(-7);
              continue;
            }
            const at = (hh: number, ww: number) => x[((n * height + hh) * width + ww) * xStride + c];
            got.push(y[o + c]);
            want.push((at(2 * h, 2 * w) + at(2 * h, 2 * w + 1) + at(2 * h + 1, 2 * w) + at(2 * h + 1, 2 * w + 1)) / 4);
          }
        }
      }
    }
    expectClose(got, want);
  });
});
