import * as tf from '@tensorflow/tfjs-core';
import { matMul } from './mat-mul.js';
import { matMulAtB } from './mat-mul-at-b.js';

/**
 * The training form's learned group conv: a dense 1x1 conv with kernel * mask (kernel and mask
 * [1, 1, R, O], HWIO). As a matMul over all pixels its gradients are two more matMuls, which
 * every backend has; the mask gets no gradient and zeroes the pruned weights' gradient exactly
 * like PyTorch's `weight * _mask`.
 */
export function maskedConv1x1(x: tf.Tensor4D, kernel: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, r] = x.shape;
  const o = kernel.shape[3];
  if (kernel.shape[0] !== 1 || kernel.shape[1] !== 1 || kernel.shape[2] !== r) {
    throw new Error(`maskedConv1x1: kernel [${kernel.shape}] does not fit input channels ${r}`);
  }
  const op = tf.customGrad((xIn, kIn, save) => {
    const x2 = tf.reshape(xIn as tf.Tensor4D, [n * h * w, r]) as tf.Tensor2D;
    const m2 = tf.reshape(mask, [r, o]);
    const effective = tf.mul(tf.reshape(kIn as tf.Tensor4D, [r, o]), m2) as tf.Tensor2D;
    (save as tf.GradSaveFunc)([x2, effective, m2]);
    return {
      value: tf.reshape(matMul(x2, effective), [n, h, w, o]),
      // Temporaries of a custom gradient are not tidied by tfjs: without this scope they
      // live until the whole backward pass ends.
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [xs, eff, m2] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
          const dy2 = tf.reshape(dy as tf.Tensor, [n * h * w, o]) as tf.Tensor2D;
          // An explicit transpose of the small weight, so that the product reads both operands
          // row by row (tfjs-wasm's matMul with transposeB set takes a naive path, 5-15x slower).
          const dx = tf.reshape(matMul(dy2, tf.transpose(eff)), [n, h, w, r]);
          const dk = tf.reshape(tf.mul(matMulAtB(xs, dy2), m2), [1, 1, r, o]);
          return [dx, dk];
        }),
    };
  });
  return op(x, kernel) as tf.Tensor4D;
}
