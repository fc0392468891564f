import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKENDS, onBackend, randomTensor } from '../test-support/backends.js';
import { matMul } from './mat-mul.js';

/** matMul on every backend against tfjs-wasm's tf.matMul of the same seeded operands: the same bits. */
async function expectStockBits(rows: number, k: number, n: number, seed: number): Promise<void> {
  const inputs = () => [randomTensor([rows, k], seed), randomTensor([k, n], seed + 1)] as tf.Tensor2D[];
  const [stock] = await onBackend('wasm', () => {
    const [a, b] = inputs();
    return [tf.matMul(a, b)];
  });
  for (const backend of BACKENDS) {
    const [actual] = await onBackend(backend, () => {
      const [a, b] = inputs();
      return [matMul(a, b)];
    });
    expect(Array.from(actual), `${backend} ${rows}x${k}x${n}`).toEqual(Array.from(stock));
  }
}

describe('matMul', () => {
  // rows exercise the wasm kernel's 4-row tiles and the single-row tail; n its 4x8 and 4x4 tiles.
  const dims = fc.record({
    rows: fc.integer({ min: 1, max: 70 }),
    k: fc.integer({ min: 1, max: 40 }),
    n: fc.integer({ min: 1, max: 10 }).map((q) => 4 * q),
    seed: fc.integer({ min: 1, max: 1000 }),
  });

  it("equals tf.matMul, with tfjs-wasm's bits on cpu and wasm", async () => {
    await fc.assert(
      fc.asyncProperty(dims, ({ rows, k, n, seed }) => expectStockBits(rows, k, n, seed)),
      { numRuns: 40 },
    );
  });

  it('keeps the bits on a long sum and a wide product (the packed strips of b)', async () => {
    await expectStockBits(9, 300, 44, 7);
  });

  it('falls back to tf.matMul when n is not a multiple of 4', async () => {
    const [y] = await onBackend('wasm', () => [matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6, 7], [8, 9, 10]]))]);
    expect(Array.from(y)).toEqual([21, 24, 27, 47, 54, 61]);
  });

  it('names both shapes when they do not chain', async () => {
    await onBackend('cpu', () => {
      expect(() => matMul(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([4, 4]) as tf.Tensor2D)).toThrow(/a \[2,3\] and b \[4,4\]/);
      return [];
    });
  });
});
