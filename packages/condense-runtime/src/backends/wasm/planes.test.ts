import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test-support/close.js';
import { testKernels } from '../../test-support/kernels.js';
import { condensedConv1x1Reference, groupedConv3x3Reference } from '../../test-support/nhwc-reference.js';
import { randomArray, randomBatchNorm, seededRandom } from '../../test-support/rng.js';
import { CondensedConv1x1Planes, packCondensedConv1x1Planes, type PlanesLayout } from './condensed-conv1x1-planes.js';
import { conv3x3PlanesFits, GroupedConv3x3Planes } from './grouped-conv3x3-planes.js';
import type { KernelModule } from './kernel-module.js';

const EPS = 1e-5;

/** A planes layout for `channels` channels of `width` pixels, lines `extra` floats wider than the image and its border. */
function layout(channels: number, width: number, extra: number): PlanesLayout {
  const pitch = width + 2 + extra;
  return { pitch, rowPitch: channels * pitch };
}

describe.each(['wasm', 'relaxed', 'js'] as const)('the planes kernels (%s)', (kind) => {
  let kernels: KernelModule;
  beforeAll(async () => {
    kernels = await testKernels(kind);
  });

  it.each(Array.from({ length: 16 }, (_, i) => i))('condensedConv1x1Planes matches gather-BN-ReLU-grouped conv-shuffle, written as planes, on random shape #%i', (seed) => {
    const rand = seededRandom(seed + 50);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const G = pick([1, 2, 4, 4, 8]);
    const K = 1 + Math.floor(rand() * 12);
    const kOut = pick([4, 8, 12]);
    const O = G * kOut;
    const R = G * K + Math.floor(rand() * 6);
    const xStride = R + Math.floor(rand() * 5);
    const rows = 1 + Math.floor(rand() * 3);
    // 4 and 12 pixels end in a four-pixel tile, 8 and 16 in whole eight-pixel ones.
    const width = pick([4, 8, 12, 16]);
    const planes = layout(O, width, Math.floor(rand() * 4));
    const index = Int32Array.from({ length: G * K }, () => Math.floor(rand() * R));
    const norm = randomBatchNorm(G * K, rand);
    const weight = randomArray(O * K, rand);
    const after = seed % 2 === 0 ? randomBatchNorm(O, rand) : undefined;
    const pixels = rows * width;
    const x = randomArray(pixels * xStride, rand, -2, 2);

    const layer = new CondensedConv1x1Planes(kernels, packCondensedConv1x1Planes({ index, norm, weight, groups: G, epsilon: EPS, after }));
    const xAt = kernels.put(x);
    // One border row above and below, one border column left and right, as the 3x3 reads them.
    const floats = (rows + 2) * planes.rowPitch;
    const yAt = kernels.alloc(floats * 4);
    kernels.f32(yAt, floats).fill(-7);
    const scratch = kernels.alloc(layer.scratchBytes);
    kernels.exports.condensedConv1x1Planes(...layer.args(xAt, xStride, rows, width, yAt + (planes.rowPitch + 1) * 4, planes, scratch));
    const y = kernels.f32(yAt, floats).slice();
    layer.dispose();
    for (const at of [xAt, yAt, scratch]) kernels.free(at);

    const expected = condensedConv1x1Reference(x, xStride, pixels, index, norm, weight, G, EPS, after);
    const written = new Float32Array(pixels * O);
    const touched = new Uint8Array(y.length);
    for (let r = 0; r < rows; r++) {
      for (let w = 0; w < width; w++) {
        for (let c = 0; c < O; c++) {
          const at = (r + 1) * planes.rowPitch + c * planes.pitch + 1 + w;
          written[(r * width + w) * O + c] = y[at];
          touched[at] = 1;
        }
      }
    }
    touched.forEach((t, i) => {
      if (!t) expect(y[i]).toBe(-7);
    });
    expectClose(written, expected);
  });

  it.each([
    { groups: 4, cin: 32, cout: 8, width: 16 },
    { groups: 4, cin: 64, cout: 16, width: 12 },
    { groups: 4, cin: 16, cout: 8, width: 28 },
    { groups: 2, cin: 8, cout: 4, width: 8 },
    { groups: 1, cin: 3, cout: 2, width: 4 },
    { groups: 8, cin: 16, cout: 48, width: 20 },
  ])('groupedConv3x3Planes matches the plain pad-1 grouped conv with $groups groups, $cin -> $cout channels, width $width', ({ groups, cin, cout, width }) => {
    const rand = seededRandom(cin * cout + width);
    const height = 3;
    const planes = layout(cin, width, 2);
    const x = randomArray(height * width * cin, rand);
    const weight = randomArray(cout * (cin / groups) * 9, rand);
    const bordered = new Float32Array((height + 2) * planes.rowPitch);
    for (let h = 0; h < height; h++) {
      for (let w = 0; w < width; w++) {
        for (let c = 0; c < cin; c++) bordered[(h + 1) * planes.rowPitch + c * planes.pitch + 1 + w] = x[(h * width + w) * cin + c];
      }
    }
    const yOffset = 3;
    const yStride = yOffset + cout + 2;
    const conv = new GroupedConv3x3Planes(kernels, { weight, inChannels: cin, outChannels: cout, groups });
    const xAt = kernels.put(bordered);
    const yAt = kernels.alloc(height * width * yStride * 4);
    kernels.f32(yAt, height * width * yStride).fill(-7);
    kernels.exports.groupedConv3x3Planes(...conv.args(xAt, height, width, planes, yAt, yStride, yOffset));
    const y = kernels.f32(yAt, height * width * yStride).slice();
    conv.dispose();
    kernels.free(xAt);
    kernels.free(yAt);

    const expected = groupedConv3x3Reference(x, 1, height, width, cin, groups, weight, cout);
    const written = new Float32Array(height * width * cout);
    for (let p = 0; p < height * width; p++) {
      written.set(y.subarray(p * yStride + yOffset, p * yStride + yOffset + cout), p * cout);
      for (let c = 0; c < yStride; c++) {
        if (c < yOffset || c >= yOffset + cout) expect(y[p * yStride + c]).toBe(-7);
      }
    }
    expectClose(written, expected);
  });

  it('refuses what the planes kernels cannot serve, naming it', () => {
    const norm = randomBatchNorm(4, seededRandom(3));
    expect(() => packCondensedConv1x1Planes({ index: new Int32Array(4), norm, weight: new Float32Array(4 * 6), groups: 4, epsilon: EPS })).toThrow(
      /6 outputs per group.*multiple of 4/,
    );
    expect(() => new GroupedConv3x3Planes(kernels, { weight: new Float32Array(3 * 4 * 9), inChannels: 4, outChannels: 3, groups: 1 })).toThrow(/even number of outputs/);
    expect(() => new GroupedConv3x3Planes(kernels, { weight: new Float32Array(4 * 4 * 9), inChannels: 4, outChannels: 4, groups: 1, stride: 2 })).toThrow(/stride 2/);
    const conv = new GroupedConv3x3Planes(kernels, { weight: new Float32Array(4 * 4 * 9), inChannels: 4, outChannels: 4, groups: 1 });
    expect(() => conv.args(0, 1, 6, layout(4, 6, 0), 0, 4, 0)).toThrow(/width 6 is not a multiple of 4/);
    expect(() => conv.args(0, 1, 8, { pitch: 9, rowPitch: 36 }, 0, 4, 0)).toThrow(/lines of 9 floats cannot hold 8 pixels and the border/);
    conv.dispose();
  });

  it('takes the planes where a group has 2 or 4 outputs, not 8', () => {
    expect(conv3x3PlanesFits(2, 4, 112)).toBe(true);
    expect(conv3x3PlanesFits(4, 4, 56)).toBe(true);
    expect(conv3x3PlanesFits(8, 4, 28)).toBe(false);
    expect(conv3x3PlanesFits(3, 4, 32)).toBe(false);
    expect(conv3x3PlanesFits(2, 4, 7)).toBe(false);
  });
});
