import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../test-support/backends.js';
import { shareIdentityOnWasm } from './shared-identity.js';

describe('shareIdentityOnWasm', () => {
  it('makes a wasm clone share its data, which lives until the last tensor holding it is disposed', async () => {
    await useBackend('wasm');
    shareIdentityOnWasm();
    shareIdentityOnWasm();
    const before = tf.engine().backend.numDataIds();
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    expect(tf.engine().backend.numDataIds()).toBe(before + 1);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    expect(y.shape).toEqual([2, 2]);
    y.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(before);
  });

  it('keeps string tensors on the stock kernel', async () => {
    await useBackend('wasm');
    shareIdentityOnWasm();
    const s = tf.tensor1d(['a', 'b'], 'string');
    const c = tf.clone(s);
    expect(c.arraySync()).toEqual(['a', 'b']);
    tf.dispose([s, c]);
  });

  it('gives a custom gradient the saved values after the forward scope disposed its tensors', async () => {
    await useBackend('wasm');
    shareIdentityOnWasm();
    const square = tf.customGrad((x, save) => {
      const doubled = tf.mul(x as tf.Tensor, 2);
      (save as tf.GradSaveFunc)([doubled]);
      return { value: tf.square(x as tf.Tensor), gradFunc: (dy, [d]) => tf.mul(dy as tf.Tensor, d) };
    });
    const x = tf.tensor1d([1, -2, 3]);
    const g = tf.grad((v: tf.Tensor) => square(v) as tf.Tensor)(x);
    expect(Array.from(g.dataSync())).toEqual([2, -4, 6]);
    tf.dispose([x, g]);
  });
});
