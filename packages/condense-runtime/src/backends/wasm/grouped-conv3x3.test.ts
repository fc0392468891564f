import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test-support/close.js';
import { testKernels } from '../../test-support/kernels.js';
import { groupedConv3x3Reference } from '../../test-support/nhwc-reference.js';
import { randomArray, seededRandom } from '../../test-support/rng.js';
import { GroupedConv3x3 } from './grouped-conv3x3.js';
import type { KernelModule } from './kernel-module.js';

describe.each(['wasm', 'relaxed', 'js'] as const)('groupedConv3x3 kernel (%s)', (kind) => {
  let kernels: KernelModule;
  beforeAll(async () => {
    kernels = await testKernels(kind);
  });

  interface Shape {
    groups: number;
    cin: number;
    cout: number;
    batch: number;
    height: number;
    width: number;
    stride: number;
    yOffset: number;
    yStride: number;
  }

  function expectMatchesReference(shape: Shape, rand: () => number): void {
    const { groups, cin, cout, batch, height, width, stride, yOffset, yStride } = shape;
    const outPixels = batch * (Math.floor((height - 1) / stride) + 1) * (Math.floor((width - 1) / stride) + 1);
    const pixels = batch * height * width;
    const x = randomArray(pixels * cin, rand);
    const weight = randomArray(cout * (cin / groups) * 9, rand);

    const conv = new GroupedConv3x3(kernels, { weight, inChannels: cin, outChannels: cout, groups, stride });
    const padded = new Float32Array(batch * (height + 2) * (width + 2) * cin);
    for (let n = 0; n < batch; n++) {
      for (let h = 0; h < height; h++) {
        const from = ((n * height + h) * width) * cin;
        padded.set(x.subarray(from, from + width * cin), ((n * (height + 2) + h + 1) * (width + 2) + 1) * cin);
      }
    }
    const xAt = kernels.put(padded);
    const yAt = kernels.alloc(outPixels * yStride * 4);
    kernels.f32(yAt, outPixels * yStride).fill(-7);
    conv.run(xAt, batch, height, width, yAt, yStride, yOffset);
    const y = kernels.f32(yAt, outPixels * yStride).slice();
    conv.dispose();
    kernels.free(xAt);
    kernels.free(yAt);

    const expected = groupedConv3x3Reference(x, batch, height, width, cin, groups, weight, cout, stride);
    const written = new Float32Array(outPixels * cout);
    for (let p = 0; p < outPixels; p++) {
      written.set(y.subarray(p * yStride + yOffset, p * yStride + yOffset + cout), p * cout);
      for (let c = 0; c < yStride; c++) {
        if (c < yOffset || c >= yOffset + cout) expect(y[p * yStride + c]).toBe(-7);
      }
    }
    expectClose(written, expected);
  }

  it.each(Array.from({ length: 20 }, (_, i) => i))('matches the plain pad-1 grouped conv on random shape #%i', (seed) => {
    const rand = seededRandom(100 + seed);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const groups = pick([1, 2, 4, 8]);
    const cin = groups * 4 * (1 + Math.floor(rand() * 3));
    const cout = pick([4, 8, 16, 32].filter((c) => c % groups === 0));
    const yOffset = Math.floor(rand() * 6);
    const shape = {
      groups,
      cin,
      cout,
      batch: 1 + Math.floor(rand() * 3),
      height: 1 + Math.floor(rand() * 7),
      width: 1 + Math.floor(rand() * 7),
      stride: seed % 4 === 3 ? 2 : 1,
      yOffset,
      yStride: yOffset + cout + Math.floor(rand() * 3),
    };
    expectMatchesReference(shape, rand);
  });

  // Every formulation (lanes over 8 outputs of a group, over two groups of 2 outputs, over a
  // group's inputs), every tail of the four-pixel tiles (widths 1-3 and 5-7 beyond a whole
  // tile) and both strides.
  it.each([
    { groups: 4, cin: 16, cout: 32, width: 9, stride: 1 },
    { groups: 4, cin: 32, cout: 8, width: 7, stride: 1 },
    { groups: 8, cin: 32, cout: 16, width: 6, stride: 2 },
    { groups: 4, cin: 16, cout: 4, width: 5, stride: 1 },
    { groups: 2, cin: 24, cout: 32, width: 6, stride: 1 },
    { groups: 1, cin: 4, cout: 16, width: 11, stride: 2 },
    { groups: 4, cin: 32, cout: 64, width: 7, stride: 1 },
    { groups: 4, cin: 16, cout: 16, width: 5, stride: 1 },
    { groups: 2, cin: 8, cout: 4, width: 3, stride: 2 },
  ])('matches the reference with $groups groups, $cin -> $cout channels, width $width, stride $stride', (s) => {
    expectMatchesReference({ ...s, batch: 2, height: 4, yOffset: 4, yStride: s.cout + 8 }, seededRandom(s.cin * s.cout + s.width));
  });

  it('refuses channel counts that do not fill whole vectors', () => {
    expect(() => new GroupedConv3x3(kernels, { weight: new Float32Array(6 * 9), inChannels: 6, outChannels: 4, groups: 2 })).toThrow(
      /multiples of 4/,
    );
    expect(() => new GroupedConv3x3(kernels, { weight: new Float32Array(4 * 4 * 9), inChannels: 4, outChannels: 4, groups: 1, stride: 3 })).toThrow(
      /stride 3, expected 1 or 2/,
    );
  });
});
