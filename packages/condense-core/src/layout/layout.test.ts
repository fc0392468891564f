import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../test-support/rng.js';
import { nchwToNhwc, nhwcToNchw } from './activation.js';
import { hwioToOihw, oihwToHwio } from './conv.js';
import { linearIoToOi, linearOiToIo } from './linear.js';

const dims = fc.tuple(
  fc.integer({ min: 1, max: 5 }),
  fc.integer({ min: 1, max: 5 }),
  fc.integer({ min: 1, max: 5 }),
  fc.integer({ min: 1, max: 5 }),
);

describe('layout conversions', () => {
  it('move single elements where the layouts say', () => {
    const [O, I, H, W] = [2, 3, 4, 5];
    const data = Float32Array.from({ length: O * I * H * W }, (_, i) => i);
    const hwio = oihwToHwio(data, [O, I, H, W]);
    const [o, i, h, w] = [1, 2, 3, 4];
    expect(hwio[((h * W + w) * I + i) * O + o]).toBe(data[((o * I + i) * H + h) * W + w]);
    const [N, C] = [O, I];
    const nhwc = nchwToNhwc(data, [N, C, H, W]);
    expect(nhwc[((o * H + h) * W + w) * C + i]).toBe(data[((o * C + i) * H + h) * W + w]);
    const io = linearOiToIo(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3);
    expect(Array.from(io)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('round-trip', () => {
    fc.assert(
      fc.property(dims, fc.integer({ min: 0, max: 2 ** 31 - 1 }), ([a, b, c, d], seed) => {
        const data = new SeededRandom(seed).normals(a * b * c * d);
        expect(hwioToOihw(oihwToHwio(data, [a, b, c, d]), [c, d, b, a])).toEqual(data);
        expect(nhwcToNchw(nchwToNhwc(data, [a, b, c, d]), [a, c, d, b])).toEqual(data);
        const lin = data.subarray(0, a * b);
        expect(linearIoToOi(linearOiToIo(lin, a, b), b, a)).toEqual(lin);
      }),
    );
  });

  it('name bad arguments', () => {
    expect(() => oihwToHwio(new Float32Array(5), [1, 2, 3, 1])).toThrow(/oihwToHwio: data has length 5, expected 6/);
    expect(() => nchwToNhwc(new Float32Array(0), [1, 0, 3, 1])).toThrow(/nchwToNhwc: shape\[1\] = 0 must be a positive integer/);
    expect(() => linearOiToIo(new Float32Array(6), 2, 2.5)).toThrow(/linearOiToIo: inFeatures = 2.5 must be a positive integer/);
    expect(() => nhwcToNchw(new Float32Array(6), [1, 2, 3] as never)).toThrow(/nhwcToNchw: shape = \[1, 2, 3\] must be 4 positive integers/);
  });
});
