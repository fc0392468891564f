import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { BACKENDS, expectClose, onBackend, randomTensor } from '../test-support/backends.js';
import { avgPool2d } from './avg-pool.js';

function run(custom: boolean, shape: [number, number, number, number], size: number): tf.Tensor[] {
  const x = randomTensor(shape, 51) as tf.Tensor4D;
  const pool = (a: tf.Tensor) =>
    custom ? avgPool2d(a as tf.Tensor4D, size) : tf.avgPool(a as tf.Tensor4D, size, size, 'valid');
  const y = pool(x);
  const dy = randomTensor(y.shape, 52);
  const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a), dy)))(x);
  return [y, dx];
}

describe('avgPool2d (k x k, stride k, valid) with a broadcast gradient', () => {
  const cases: [[number, number, number, number], number][] = [
    [[2, 6, 6, 3], 2],
    [[2, 7, 5, 3], 2],
    [[3, 7, 7, 4], 7],
    [[1, 8, 8, 2], 3],
  ];
  for (const [shape, size] of cases) {
    it(`[${shape}] pool ${size}: value and gradient equal tf.avgPool's on every backend`, async () => {
      const expected = await onBackend('cpu', () => run(false, shape, size));
      for (const backend of BACKENDS) {
        const actual = await onBackend(backend, () => run(true, shape, size));
        expectClose(actual[0], expected[0], 1e-5, `${backend} y`);
        expectClose(actual[1], expected[1], 1e-5, `${backend} dx`);
      }
    });
  }
});
