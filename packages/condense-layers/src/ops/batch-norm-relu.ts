import * as tf from '@tensorflow/tfjs-core';
import { BN_EPSILON } from './constants.js';

/** Receives a training forward's batch mean and biased variance (to move the running stats). */
export type BatchStatsSink = (mean: tf.Tensor1D, variance: tf.Tensor1D, count: number) => void;

interface Normalised {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  invStd: tf.Tensor1D;
  y: tf.Tensor;
}

function forward(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, onStats: BatchStatsSink): Normalised {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const mean = tf.mean(x, axes) as tf.Tensor1D;
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), axes) as tf.Tensor1D;
  const invStd = tf.rsqrt(tf.add(variance, BN_EPSILON)) as tf.Tensor1D;
  onStats(mean, variance, x.size / x.shape[x.rank - 1]);
  const y = tf.relu(tf.add(tf.mul(centered, tf.mul(invStd, gamma)), beta));
  return { mean, variance, invStd, y };
}

/** Recomputes the normalised input and, from the upstream gradient of the ReLU output, BN's gradients. */
function backward(
  x: tf.Tensor,
  mean: tf.Tensor1D,
  invStd: tf.Tensor1D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  dy: tf.Tensor,
): { dx: tf.Tensor; dGamma: tf.Tensor1D; dBeta: tf.Tensor1D; activation: tf.Tensor } {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const n = x.size / x.shape[x.rank - 1];
  const xhat = tf.mul(tf.sub(x, mean), invStd);
  const z = tf.add(tf.mul(xhat, gamma), beta);
  const dz = tf.mul(dy, tf.step(z));
  const dBeta = tf.sum(dz, axes) as tf.Tensor1D;
  const dGamma = tf.sum(tf.mul(dz, xhat), axes) as tf.Tensor1D;
  const dx = tf.mul(
    tf.div(tf.mul(gamma, invStd), n),
    tf.sub(tf.sub(tf.mul(dz, n), dBeta), tf.mul(xhat, dGamma)),
  );
  return { dx, dGamma, dBeta, activation: tf.relu(z) };
}

/**
 * Training-mode BatchNorm (batch mean, biased variance, PyTorch's eps) followed by ReLU, with a
 * gradient that keeps only the input and per-channel statistics and recomputes the rest. A
 * dense network keeps every layer's input alive anyway; storing the normalised, scaled and
 * rectified copies too is what made CondenseNet-86 at batch 64 overflow wasm's memory.
 */
export function batchNormReluTrain(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  onStats: BatchStatsSink,
): tf.Tensor {
  const op = tf.customGrad((xIn, gIn, bIn, save) => {
    const f = forward(xIn as tf.Tensor, gIn as tf.Tensor1D, bIn as tf.Tensor1D, onStats);
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, f.mean, f.invStd, gIn as tf.Tensor, bIn as tf.Tensor]);
    return {
      value: f.y,
      gradFunc: (dy, saved) => {
        const [xs, mean, invStd, g, b] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const r = backward(xs, mean, invStd, g, b, dy as tf.Tensor);
        return [r.dx, r.dGamma, r.dBeta];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor;
}

/**
 * Training-mode BN -> ReLU -> 1x1 conv with kernel * mask (the learned group conv), fused so
 * that the backward pass recomputes the activation instead of storing it.
 */
export function batchNormReluMaskedConv1x1Train(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  kernel: tf.Tensor4D,
  mask: tf.Tensor4D,
  onStats: BatchStatsSink,
): tf.Tensor4D {
  const [n, h, w, r] = x.shape;
  const o = kernel.shape[3];
  const rows = n * h * w;
  const op = tf.customGrad((xIn, gIn, bIn, kIn, save) => {
    const f = forward(xIn as tf.Tensor, gIn as tf.Tensor1D, bIn as tf.Tensor1D, onStats);
    const m2 = tf.reshape(mask, [r, o]);
    const effective = tf.mul(tf.reshape(kIn as tf.Tensor, [r, o]), m2) as tf.Tensor2D;
    const value = tf.reshape(tf.matMul(tf.reshape(f.y, [rows, r]) as tf.Tensor2D, effective), [n, h, w, o]);
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, f.mean, f.invStd, gIn as tf.Tensor, bIn as tf.Tensor, effective, m2]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const [xs, mean, invStd, g, b, eff, m] = saved as [
          tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor2D, tf.Tensor2D,
        ];
        const dy2 = tf.reshape(dy as tf.Tensor, [rows, o]) as tf.Tensor2D;
        const dAct = tf.reshape(tf.matMul(dy2, eff, false, true), [n, h, w, r]);
        const bn = backward(xs, mean, invStd, g, b, dAct);
        const act = tf.reshape(bn.activation, [rows, r]) as tf.Tensor2D;
        const dk = tf.reshape(tf.mul(tf.matMul(act, dy2, true, false), m), [1, 1, r, o]);
        return [bn.dx, bn.dGamma, bn.dBeta, dk];
      },
    };
  });
  return op(x, gamma, beta, kernel) as tf.Tensor4D;
}
