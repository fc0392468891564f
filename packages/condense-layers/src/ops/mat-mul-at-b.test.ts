import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKENDS, expectClose, onBackend, randomTensor } from '../test-support/backends.js';
import { matMulAtB } from './mat-mul-at-b.js';

describe('matMulAtB', () => {
  // rows cross the wasm kernel's 128-row chunks; m and n exercise its 4x16, 4x4 and 1x4 tiles.
  const dims = fc.record({
    rows: fc.integer({ min: 1, max: 300 }),
    m: fc.integer({ min: 1, max: 13 }),
    n: fc.integer({ min: 1, max: 10 }).map((q) => 4 * q),
    seed: fc.integer({ min: 1, max: 1000 }),
  });

  it('equals transpose(a) x b, with the same bits on cpu and wasm', async () => {
    await fc.assert(
      fc.asyncProperty(dims, async ({ rows, m, n, seed }) => {
        const inputs = () => [randomTensor([rows, m], seed), randomTensor([rows, n], seed + 1)] as tf.Tensor2D[];
        const [expected] = await onBackend('cpu', () => {
          const [a, b] = inputs();
          return [tf.matMul(a, b, true, false)];
        });
        const ours = [];
        for (const backend of BACKENDS) {
          const [actual] = await onBackend(backend, () => {
            const [a, b] = inputs();
            return [matMulAtB(a, b)];
          });
          expectClose(actual, expected, 1e-5 * Math.sqrt(rows), `${backend} ${rows}x${m}x${n}`);
          ours.push(Array.from(actual));
        }
        expect(ours[1]).toEqual(ours[0]);
      }),
      { numRuns: 40 },
    );
  });

  it('falls back to a transpose and a matMul when n is not a multiple of 4', async () => {
    const [y] = await onBackend('wasm', () => [matMulAtB(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6, 7], [8, 9, 10]]))]);
    expect(Array.from(y)).toEqual([29, 33, 37, 42, 48, 54]);
  });
});
