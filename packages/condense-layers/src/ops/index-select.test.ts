import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { BACKENDS, expectClose, onBackend, randomTensor } from '../test-support/backends.js';
import { indexSelect, type IndexSelectStrategy } from './index-select.js';

const INDEX = [3, 0, 3, 5, 1, 1];

function run(strategy: IndexSelectStrategy | 'builtin', shape: number[]): tf.Tensor[] {
  const x = randomTensor(shape, 31);
  const index = tf.tensor1d(INDEX, 'int32');
  const fwd = (a: tf.Tensor) =>
    strategy === 'builtin' ? tf.gather(a, index, a.rank - 1) : indexSelect(a, index, strategy);
  const y = fwd(x);
  const dy = randomTensor(y.shape, 32);
  return [y, tf.grad((a: tf.Tensor) => tf.sum(tf.mul(fwd(a), dy)))(x)];
}

describe('indexSelect', () => {
  for (const shape of [[2, 3, 3, 6], [4, 6]]) {
    it(`rank ${shape.length}: both strategies equal tf.gather and its gradient (repeated indices summed), on every backend`, async () => {
      const expected = await onBackend('cpu', () => run('builtin', shape));
      for (const backend of BACKENDS) {
        for (const s of ['gather', 'matMul'] as const) {
          const actual = await onBackend(backend, () => run(s, shape));
          expectClose(actual[0], expected[0], 0, `${backend} ${s} y`);
          expectClose(actual[1], expected[1], 1e-6, `${backend} ${s} dx`);
        }
      }
    });
  }
});
