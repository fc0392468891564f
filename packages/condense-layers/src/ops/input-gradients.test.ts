import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, randomTensor, useBackend } from '../test-support/backends.js';
import { conv2d } from './conv2d.js';
import { isConstantInput, withoutInputGradients } from './input-gradients.js';

describe('withoutInputGradients', () => {
  it('skips a convolution input gradient for the declared tensors only, and leaves the filter gradient as it is', async () => {
    await useBackend('cpu');
    tf.tidy(() => {
      const x = randomTensor([2, 6, 6, 3], 1) as tf.Tensor4D;
      const f = randomTensor([3, 3, 3, 4], 2) as tf.Tensor4D;
      const grads = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { padding: 1 }))))([x, f]);
      const [dx, df] = grads();
      const [dxSkipped, dfSkipped] = withoutInputGradients([x], grads);
      expect(tf.max(tf.abs(dx)).dataSync()[0]).toBeGreaterThan(0);
      expect(tf.max(tf.abs(dxSkipped)).dataSync()[0]).toBe(0);
      expectClose(dfSkipped.dataSync(), df.dataSync(), 0, 'filter gradient');
      // Another tensor in the same computation keeps its input gradient.
      const other = randomTensor([2, 6, 6, 3], 3) as tf.Tensor4D;
      const [dOther] = withoutInputGradients([x], () => tf.grads((a: tf.Tensor) => tf.sum(conv2d(a as tf.Tensor4D, f, { padding: 1 })))([other]));
      expect(tf.max(tf.abs(dOther)).dataSync()[0]).toBeGreaterThan(0);
    });
  });

  it('ends with its scope, also when the computation throws, and nests', () => {
    const x = tf.zeros([1, 2, 2, 1]);
    expect(() =>
      withoutInputGradients([x], () => {
        withoutInputGradients([x], () => expect(isConstantInput(x)).toBe(true));
        expect(isConstantInput(x)).toBe(true);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isConstantInput(x)).toBe(false);
    x.dispose();
  });
});
