import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKENDS, expectClose, onBackend, randomTensor, useBackend } from '../test-support/backends.js';
import { directGroupConv2d, directGroupConvApplies } from './direct-group-conv2d.js';

interface Case {
  n: number;
  h: number;
  w: number;
  groups: number;
  ci: number;
  co: number;
  k: number;
  stride: number;
  padding: number;
  seed: number;
}

/** tfjs's own conv on the block-diagonal filter, differentiated by tfjs's autograd. */
function stock(x: tf.Tensor4D, filter: tf.Tensor4D, c: Case): tf.Tensor4D {
  // (tfjs's split into one piece has no gradient.)
  const dense =
    c.groups === 1
      ? filter
      : tf.concat(
          tf.split(filter, c.groups, 3).map((fg, g) => tf.pad(fg, [[0, 0], [0, 0], [g * c.ci, (c.groups - g - 1) * c.ci], [0, 0]])),
          3,
        );
  const p = c.padding;
  return tf.conv2d(x, dense as tf.Tensor4D, c.stride, [[0, 0], [p, p], [p, p], [0, 0]]);
}

function run(c: Case, ours: boolean): tf.Tensor[] {
  const x = randomTensor([c.n, c.h, c.w, c.groups * c.ci], c.seed) as tf.Tensor4D;
  const filter = randomTensor([c.k, c.k, c.ci, c.groups * c.co], c.seed + 1) as tf.Tensor4D;
  const conv = (a: tf.Tensor, f: tf.Tensor) =>
    ours
      ? directGroupConv2d(a as tf.Tensor4D, f as tf.Tensor4D, { groups: c.groups, stride: c.stride, padding: c.padding })
      : stock(a as tf.Tensor4D, f as tf.Tensor4D, c);
  const y = conv(x, filter);
  const dy = randomTensor(y.shape, c.seed + 2);
  return [y, ...tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(conv(a, f), dy)))([x, filter])];
}

// ci = 20 runs the kernels' 16-channel passes and their 4-channel remainder.
const cases: fc.Arbitrary<Case> = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    groups: fc.integer({ min: 1, max: 4 }),
    ci: fc.constantFrom(4, 8, 16, 20),
    co: fc.constantFrom(2, 4, 6, 8),
    k: fc.constantFrom(1, 3),
    stride: fc.integer({ min: 1, max: 2 }),
    padding: fc.integer({ min: 0, max: 1 }),
    seed: fc.integer({ min: 1, max: 1000 }),
  })
  .filter((c) => (c.groups * c.co) % 4 === 0 && c.h + 2 * c.padding >= c.k && c.w + 2 * c.padding >= c.k);

describe('directGroupConv2d', () => {
  it('equals tfjs conv2d and its autograd gradients on random shapes, on every backend', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const expected = await onBackend('cpu', () => run(c, false));
        for (const backend of BACKENDS) {
          const actual = await onBackend(backend, () => run(c, true));
          ['y', 'dx', 'dw'].forEach((what, i) => expectClose(actual[i], expected[i], 1e-4, `${backend} ${what} ${JSON.stringify(c)}`));
        }
      }),
      { numRuns: 40 },
    );
  });

  // The kernels' paths that small random maps miss: the filter gradient's passes over a few
  // images at a time (n * oh * ow > 256), interior columns 2 and 4 at a time next to both
  // borders, 16-channel passes of ci = 32 and 64, co = 16, stride 2 and no padding on wide maps.
  const shapes: Case[] = [
    { n: 3, h: 14, w: 14, groups: 4, ci: 16, co: 4, k: 3, stride: 1, padding: 1, seed: 11 },
    { n: 6, h: 7, w: 7, groups: 4, ci: 32, co: 8, k: 3, stride: 1, padding: 1, seed: 12 },
    { n: 2, h: 3, w: 3, groups: 4, ci: 64, co: 16, k: 3, stride: 1, padding: 1, seed: 13 },
    { n: 2, h: 13, w: 11, groups: 4, ci: 8, co: 2, k: 3, stride: 1, padding: 1, seed: 14 },
    { n: 2, h: 12, w: 13, groups: 2, ci: 20, co: 6, k: 3, stride: 1, padding: 0, seed: 15 },
    { n: 2, h: 11, w: 12, groups: 4, ci: 8, co: 4, k: 3, stride: 2, padding: 1, seed: 16 },
  ];
  it.each(shapes)('equals tfjs conv2d and its autograd gradients on %o', async (c) => {
    const expected = await onBackend('cpu', () => run(c, false));
    for (const backend of BACKENDS) {
      const actual = await onBackend(backend, () => run(c, true));
      ['y', 'dx', 'dw'].forEach((what, i) => expectClose(actual[i], expected[i], 1e-4, `${backend} ${what}`));
    }
  });

  it('applies to the shapes its kernels take, on the backends that have them', async () => {
    await useBackend('wasm');
    expect(directGroupConvApplies(tf.zeros([3, 3, 8, 8]) as tf.Tensor4D, 4)).toBe(true);
    expect(directGroupConvApplies(tf.zeros([3, 3, 2, 8]) as tf.Tensor4D, 4)).toBe(false);
    expect(directGroupConvApplies(tf.zeros([3, 3, 8, 4]) as tf.Tensor4D, 4)).toBe(false);
  });
});
