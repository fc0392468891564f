import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { BACKENDS, expectClose, onBackend, randomTensor } from '../test-support/backends.js';
import { maskedConv1x1 } from './masked-conv1x1.js';

function run(custom: boolean): tf.Tensor[] {
  const x = randomTensor([2, 3, 4, 6], 21) as tf.Tensor4D;
  const k = randomTensor([1, 1, 6, 8], 22) as tf.Tensor4D;
  const mask = tf.cast(tf.greater(randomTensor([1, 1, 6, 8], 23), 0), 'float32') as tf.Tensor4D;
  const fwd = (a: tf.Tensor, b: tf.Tensor) =>
    custom
      ? maskedConv1x1(a as tf.Tensor4D, b as tf.Tensor4D, mask)
      : tf.conv2d(a as tf.Tensor4D, tf.mul(b, mask) as tf.Tensor4D, 1, 'valid');
  const y = fwd(x, k);
  const dy = randomTensor(y.shape, 24);
  return [y, ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fwd(a, b), dy)))([x, k])];
}

describe('maskedConv1x1', () => {
  it('equals conv2d(x, kernel * mask) with its built-in gradient, on every backend', async () => {
    const expected = await onBackend('cpu', () => run(false));
    for (const backend of BACKENDS) {
      const actual = await onBackend(backend, () => run(true));
      ['y', 'dx', 'dk'].forEach((what, i) => expectClose(actual[i], expected[i], 1e-5, `${backend} ${what}`));
    }
  });
});
