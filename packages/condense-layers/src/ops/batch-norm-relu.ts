import * as tf from '@tensorflow/tfjs-core';
import { BN_BACKWARD_FACTORS } from '../kernels/channel-kernels.js';
import {
  BN_APPLY,
  BN_BACKWARD_APPLY,
  BN_BACKWARD_SUMS,
  BN_STATS,
  hasTrainingKernels,
  runTrainingKernel,
} from '../kernels/training-kernels.js';
import { BN_EPSILON } from './constants.js';
import { matMul } from './mat-mul.js';
import { matMulAtB } from './mat-mul-at-b.js';

/** Receives a training forward's batch mean and biased variance (to move the running stats). */
export type BatchStatsSink = (mean: tf.Tensor1D, variance: tf.Tensor1D, count: number) => void;

interface Normalised {
  mean: tf.Tensor1D;
  invStd: tf.Tensor1D;
  y: tf.Tensor;
}

/**
 * Per-channel means over all leading axes. For NHWC a global average pool (XNNPACK's pooling,
 * channels innermost) and a mean over the small [N, C] result: tfjs-wasm's Mean and Sum over
 * axes [0, 1, 2] transpose the input first, and a matMul with a row of ones repacks the whole
 * input as weights; on [64, 28, 28, 32] these take ~9 and ~14 ms against ~0.5 ms
 * (perf/RESULTS.md).
 */
export function channelMeans(x: tf.Tensor): tf.Tensor1D {
  const c = x.shape[x.rank - 1];
  if (x.rank === 4) {
    const [n, h, w] = x.shape;
    const pooled = tf.avgPool(x as tf.Tensor4D, [h, w], 1, 'valid');
    return tf.mean(tf.reshape(pooled, [n, c]), 0) as tf.Tensor1D;
  }
  return tf.mean(tf.reshape(x, [-1, c]), 0) as tf.Tensor1D;
}

/**
 * Whether this package's BatchNorm kernels run here: one kernel per pass over the activations
 * instead of five to ten elementwise tfjs ops (wasm and cpu, channels a multiple of 4).
 */
export function fused(x: tf.Tensor): boolean {
  return hasTrainingKernels(tf.getBackend()) && x.shape[x.rank - 1] % 4 === 0;
}

/**
 * The training statistics of x (this package's kernel; `fused(x)` must hold), reported to
 * `onStats`: what the condensed conv's forward needs of BatchNorm before it gathers.
 */
export function fusedBatchStats(x: tf.Tensor, onStats: BatchStatsSink): { mean: tf.Tensor1D; invStd: tf.Tensor1D } {
  const [mean, variance] = runTrainingKernel<tf.Tensor1D[]>(BN_STATS, { x });
  onStats(mean, variance, x.size / x.shape[x.rank - 1]);
  return { mean, invStd: tf.rsqrt(tf.add(variance, BN_EPSILON)) as tf.Tensor1D };
}

function forward(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, relu: boolean, onStats: BatchStatsSink): Normalised {
  if (fused(x)) {
    const { mean, invStd } = fusedBatchStats(x, onStats);
    const y = runTrainingKernel(BN_APPLY, { x, mean, scale: tf.mul(invStd, gamma), beta }, { relu });
    return { mean, invStd, y };
  }
  const n = x.size / x.shape[x.rank - 1];
  const mean = channelMeans(x);
  const centered = tf.sub(x, mean);
  const variance = channelMeans(tf.square(centered));
  const invStd = tf.rsqrt(tf.add(variance, BN_EPSILON)) as tf.Tensor1D;
  onStats(mean, variance, n);
  const z = tf.add(tf.mul(centered, tf.mul(invStd, gamma)), beta);
  return { mean, invStd, y: relu ? tf.relu(z) : z };
}

/**
 * Recomputes the normalised input and, from the upstream gradient of the (rectified) output,
 * BN's gradients: dz = dy * [z > 0], dBeta = sum dz, dGamma = sum dz * xhat and
 * dx = gamma * invStd * (dz - dBeta / n - xhat * dGamma / n), with the per-channel factors
 * folded so that dx costs one pass (two broadcast multiplies and two adds with stock ops).
 * `activation`: also return the forward's output, recomputed.
 */
export function batchNormBackward(
  x: tf.Tensor,
  mean: tf.Tensor1D,
  invStd: tf.Tensor1D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  relu: boolean,
  dy: tf.Tensor,
  activation: boolean,
): { dx: tf.Tensor; dGamma: tf.Tensor1D; dBeta: tf.Tensor1D; activation: tf.Tensor | null } {
  const n = x.size / x.shape[x.rank - 1];
  const scale = tf.mul(gamma, invStd) as tf.Tensor1D;
  if (fused(x)) {
    const [sumDz, sumDzCentered] = runTrainingKernel<tf.Tensor1D[]>(BN_BACKWARD_SUMS, { x, dy, mean, scale, beta }, { relu });
    // sum of dz * xhat = invStd * sum of dz * (x - mean); the stock path below spells it out.
    const [dGamma, kCentered, kConst] = runTrainingKernel<tf.Tensor1D[]>(BN_BACKWARD_FACTORS, { sumDz, sumDzCentered, invStd, scale }, { count: n });
    const [dx, act] = runTrainingKernel<tf.Tensor[]>(
      BN_BACKWARD_APPLY,
      { x, dy, mean, scale, beta, kCentered, kConst },
      { relu, activation },
    );
    return { dx, dGamma, dBeta: sumDz, activation: act ?? null };
  }
  const centered = tf.sub(x, mean);
  const z = tf.add(tf.mul(centered, scale), beta);
  const dz = relu ? tf.mul(dy, tf.step(z)) : dy;
  const dzMean = channelMeans(dz);
  // mean of dz * xhat = invStd * mean of dz * (x - mean)
  const dzxMean = tf.mul(channelMeans(tf.mul(dz, centered)), invStd);
  const dBeta = tf.mul(dzMean, n) as tf.Tensor1D;
  const dGamma = tf.mul(dzxMean, n) as tf.Tensor1D;
  const kCentered = tf.neg(tf.mul(scale, tf.mul(invStd, dzxMean)));
  const kConst = tf.neg(tf.mul(scale, dzMean));
  const dx = tf.add(tf.mul(dz, scale), tf.add(tf.mul(centered, kCentered), kConst));
  return { dx, dGamma, dBeta, activation: activation ? (relu ? tf.relu(z) : z) : null };
}

function batchNormTrainOp(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, relu: boolean, onStats: BatchStatsSink): tf.Tensor {
  const op = tf.customGrad((xIn, gIn, bIn, save) => {
    const f = forward(xIn as tf.Tensor, gIn as tf.Tensor1D, bIn as tf.Tensor1D, relu, onStats);
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, f.mean, f.invStd, gIn as tf.Tensor, bIn as tf.Tensor]);
    return {
      value: f.y,
      // Temporaries of a custom gradient are not tidied by tfjs: without this scope they
      // live until the whole backward pass ends.
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [xs, mean, invStd, g, b] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
          const r = batchNormBackward(xs, mean, invStd, g, b, relu, dy as tf.Tensor, false);
          return [r.dx, r.dGamma, r.dBeta];
        }),
    };
  });
  return op(x, gamma, beta) as tf.Tensor;
}

/**
 * Training-mode BatchNorm alone (batch mean, biased variance, PyTorch's eps), with the same
 * recomputing gradient as `batchNormReluTrain`.
 */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, onStats: BatchStatsSink): tf.Tensor {
  return batchNormTrainOp(x, gamma, beta, false, onStats);
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
  return batchNormTrainOp(x, gamma, beta, true, onStats);
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
    const f = forward(xIn as tf.Tensor, gIn as tf.Tensor1D, bIn as tf.Tensor1D, true, onStats);
    const m2 = tf.reshape(mask, [r, o]);
    const effective = tf.mul(tf.reshape(kIn as tf.Tensor, [r, o]), m2) as tf.Tensor2D;
    const value = tf.reshape(matMul(tf.reshape(f.y, [rows, r]) as tf.Tensor2D, effective), [n, h, w, o]);
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, f.mean, f.invStd, gIn as tf.Tensor, bIn as tf.Tensor, effective, m2]);
    return {
      value,
      // Temporaries of a custom gradient are not tidied by tfjs: without this scope they
      // live until the whole backward pass ends.
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [xs, mean, invStd, g, b, eff, m] = saved as [
            tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor2D, tf.Tensor2D,
          ];
          const dy2 = tf.reshape(dy as tf.Tensor, [rows, o]) as tf.Tensor2D;
          // An explicit transpose of the small weight, so that the product reads both operands
          // row by row (tfjs-wasm's matMul with transposeB set takes a naive path, 5-15x slower).
          const dAct = tf.reshape(matMul(dy2, tf.transpose(eff)), [n, h, w, r]);
          const bn = batchNormBackward(xs, mean, invStd, g, b, true, dAct, true);
          const act = tf.reshape(bn.activation as tf.Tensor, [rows, r]) as tf.Tensor2D;
          const dk = tf.reshape(tf.mul(matMulAtB(act, dy2), m), [1, 1, r, o]);
          return [bn.dx, bn.dGamma, bn.dBeta, dk];
        }),
    };
  });
  return op(x, gamma, beta, kernel) as tf.Tensor4D;
}

/**
 * Inference-mode BatchNorm (running statistics, PyTorch's eps), rectified when `relu`. Where
 * this package's kernels run (`fused(x)`), one pass of `CondenseBatchNormApply` with
 * scale = gamma / sqrt(var + eps): tfjs-wasm's FusedBatchNorm took a third of an evaluation
 * forward of the quick start, more than its convolutions (perf/RESULTS.md). Elsewhere
 * tf.batchNorm. Values equal tf.batchNorm's up to float32 rounding; differentiable in x, gamma
 * and beta (a saliency map of a model in eval mode, say), with the stock ops' gradient.
 */
export function batchNormInference(
  x: tf.Tensor,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  relu: boolean,
): tf.Tensor {
  if (!fused(x)) {
    const y = tf.batchNorm(x, mean, variance, beta, gamma, BN_EPSILON);
    return relu ? tf.relu(y) : y;
  }
  const invStd = tf.rsqrt(tf.add(variance, BN_EPSILON)) as tf.Tensor1D;
  const op = tf.customGrad((xIn, gIn, bIn, save) => {
    const scale = tf.mul(invStd, gIn as tf.Tensor);
    // Saved, not captured: tfjs disposes the forward's other tensors before the backward runs.
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, scale, bIn as tf.Tensor, mean, invStd]);
    return {
      value: runTrainingKernel(BN_APPLY, { x: xIn as tf.Tensor, mean, scale, beta: bIn as tf.Tensor }, { relu }),
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [xs, s, b, m, inv] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
          const centred = tf.sub(xs, m);
          const dz = relu ? tf.mul(dy as tf.Tensor, tf.step(tf.add(tf.mul(centred, s), b))) : (dy as tf.Tensor);
          const axes = Array.from({ length: xs.rank - 1 }, (_, i) => i);
          return [tf.mul(dz, s), tf.sum(tf.mul(tf.mul(dz, centred), inv), axes), tf.sum(dz, axes)];
        }),
    };
  });
  return op(x, gamma, beta);
}
