import * as tf from '@tensorflow/tfjs-core';
import {
  BN_APPLY,
  CONDENSED_FILTER_GRAD,
  CONDENSED_FORWARD,
  CONDENSED_INPUT_GRAD,
  GATHER_FLOATS,
  runTrainingKernel,
  SCATTER_FLOATS,
} from '../kernels/training-kernels.js';
import { batchNormBackward, batchNormReluMaskedConv1x1Train, fused, fusedBatchStats, type BatchStatsSink } from './batch-norm-relu.js';
import { backendStrategies } from './strategy-defaults.js';

/**
 * Which input channels each group of a learned group conv still reads, from its mask: the
 * condensed layout of the kernels in asm/train-kernels.ts. Group g (outputs o % G == g) keeps
 * k channels; index[t * G + g] is its t-th (ascending), and weightIndex[t * O + o] the flat
 * [R * O] position of the kernel entry that the packed weight wq[t, o] holds.
 */
export interface CondensedLayout {
  groups: number;
  k: number;
  index: Int32Array;
  weightIndex: Int32Array;
}

/**
 * Layouts by the mask's data: a mask changes only when a condensing stage prunes it (or a load
 * writes it), and every write gives the variable new data, so the layout is re-packed exactly
 * at stage boundaries and the mask is read back once per stage, not per step. Plain arrays, not
 * tensors: nothing to dispose when a mask is replaced.
 */
const layouts = new WeakMap<object, { groups: number; layout: CondensedLayout | null }>();

/**
 * The condensed layout of `mask` ([1, 1, R, O], HWIO) for G groups, or null when it has none:
 * no channel dropped yet, entries other than 0 and 1, outputs of one group with different
 * inputs, or groups keeping different numbers of channels (the reference's pruning never does
 * this, but a loaded or hand-made mask may).
 */
export function condensedLayout(mask: tf.Tensor4D, groups: number): CondensedLayout | null {
  const cached = layouts.get(mask.dataId);
  if (cached?.groups === groups) return cached.layout;
  const layout = readLayout(mask.dataSync() as Float32Array, mask.shape[2], mask.shape[3], groups);
  layouts.set(mask.dataId, { groups, layout });
  return layout;
}

function readLayout(m: Float32Array, r: number, o: number, groups: number): CondensedLayout | null {
  if (o % groups !== 0) return null;
  const kept: number[][] = [];
  for (let g = 0; g < groups; g++) {
    const channels: number[] = [];
    for (let j = 0; j < r; j++) {
      const v = m[j * o + g];
      if (v !== 0 && v !== 1) return null;
      for (let out = g + groups; out < o; out += groups) if (m[j * o + out] !== v) return null;
      if (v === 1) channels.push(j);
    }
    kept.push(channels);
  }
  const k = kept[0].length;
  if (k === r || kept.some((c) => c.length !== k)) return null;
  const index = new Int32Array(k * groups);
  const weightIndex = new Int32Array(k * o);
  for (let t = 0; t < k; t++) {
    for (let g = 0; g < groups; g++) index[t * groups + g] = kept[g][t];
    for (let out = 0; out < o; out++) weightIndex[t * o + out] = kept[out % groups][t] * o + out;
  }
  return { groups, k, index, weightIndex };
}

/**
 * Whether the condensed kernels run this layer here: wasm or cpu (this package's kernels), R
 * and O multiples of 4 and G a multiple of 4 (the kernels' lanes are four consecutive groups).
 * Checked before the mask is read.
 */
function condensedKernelsApply(x: tf.Tensor4D, kernel: tf.Tensor4D, groups: number): boolean {
  return fused(x) && kernel.shape[3] % 4 === 0 && groups % 4 === 0 && maxKept() > 0;
}

function maxKept(): number {
  return backendStrategies(tf.getBackend()).condensedTrainingMaxKept;
}

/**
 * The learned group conv in training (BN -> ReLU -> 1x1 conv with kernel * mask, G groups):
 * once condensing stages have dropped enough channels (`condensedTrainingMaxKept` of
 * `backendStrategies`), and where the kernels run, only the kept connections are computed
 * (`batchNormReluCondensedConv1x1Train`); otherwise the dense masked conv
 * (`batchNormReluMaskedConv1x1Train`, every backend). Both give the reference's values and
 * gradients; the mask stays the record and the kernel the trainable variable.
 */
export function learnedGroupConvTrain(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  kernel: tf.Tensor4D,
  mask: tf.Tensor4D,
  groups: number,
  onStats: BatchStatsSink,
): tf.Tensor4D {
  const layout = condensedKernelsApply(x, kernel, groups) ? condensedLayout(mask, groups) : null;
  if (layout && layout.k <= maxKept() * x.shape[3]) return batchNormReluCondensedConv1x1Train(x, gamma, beta, kernel, layout, onStats);
  return batchNormReluMaskedConv1x1Train(x, gamma, beta, kernel, mask, onStats);
}

/**
 * Training BN -> ReLU -> 1x1 conv through the condensed layout: BatchNorm + ReLU over all R
 * input channels (the running statistics of dropped channels keep moving, as in the
 * reference), then a grouped GEMM in which each group reads only its k kept channels, with the
 * packed weight (k * O multiply-adds per pixel instead of R * O). The backward scatters the
 * input gradient back to the R channels (0 for a channel no group keeps, so its gamma and beta
 * get 0), recomputes the activation with BatchNorm's gradient as the dense op does, and
 * scatters the filter gradient back to the kernel's [1, 1, R, O], 0 outside the mask: exactly
 * the gradient of kernel * mask. Needs this package's kernels (wasm, cpu).
 */
export function batchNormReluCondensedConv1x1Train(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  kernel: tf.Tensor4D,
  layout: CondensedLayout,
  onStats: BatchStatsSink,
): tf.Tensor4D {
  const [n, h, w, r] = x.shape;
  const o = kernel.shape[3];
  const { groups, k } = layout;
  const op = tf.customGrad((xIn, gIn, bIn, kIn, save) => {
    const index = tf.tensor1d(layout.index, 'int32');
    const weightIndex = tf.tensor1d(layout.weightIndex, 'int32');
    const { mean, invStd } = fusedBatchStats(xIn as tf.Tensor, onStats);
    const wq = tf.reshape(runTrainingKernel<tf.Tensor>(GATHER_FLOATS, { x: kIn as tf.Tensor, index: weightIndex }), [k, o]);
    const act = runTrainingKernel(BN_APPLY, { x: xIn as tf.Tensor, mean, scale: tf.mul(invStd, gIn as tf.Tensor), beta: bIn as tf.Tensor }, { relu: true });
    const y = runTrainingKernel(CONDENSED_FORWARD, { act, wq, index }, { groups });
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, mean, invStd, gIn as tf.Tensor, bIn as tf.Tensor, wq, index, weightIndex]);
    return {
      value: tf.reshape(y, [n, h, w, o]),
      // Temporaries of a custom gradient are not tidied by tfjs: without this scope they
      // live until the whole backward pass ends.
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [xs, mu, inv, g, b, wqs, idx, widx] = saved as [
            tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D,
          ];
          const dy2 = tf.reshape(dy as tf.Tensor, [n * h * w, o]);
          const dAct = runTrainingKernel(CONDENSED_INPUT_GRAD, { dy: dy2, wq: wqs, index: idx }, { groups, channels: r });
          // The activation comes back recomputed with BatchNorm's input gradient, as in the dense op.
          const bn = batchNormBackward(xs, mu, inv, g, b, true, tf.reshape(dAct, [n, h, w, r]), true);
          const dwq = runTrainingKernel(CONDENSED_FILTER_GRAD, { act: bn.activation as tf.Tensor, dy: dy2, index: idx }, { groups });
          const dk = runTrainingKernel<tf.Tensor>(SCATTER_FLOATS, { x: tf.reshape(dwq, [k * o]), index: widx }, { shape: [1, 1, r, o] });
          return [bn.dx, bn.dGamma, bn.dBeta, dk];
        }),
    };
  });
  return op(x, gamma, beta, kernel) as tf.Tensor4D;
}
