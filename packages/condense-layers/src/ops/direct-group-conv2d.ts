import * as tf from '@tensorflow/tfjs-core';
import {
  GROUP_CONV_FILTER_GRAD,
  GROUP_CONV_FORWARD,
  GROUP_CONV_INPUT_GRAD,
  hasTrainingKernels,
  runTrainingKernel,
  type GroupConvAttrs,
} from '../kernels/training-kernels.js';

/**
 * Whether this package's grouped-conv kernels run this conv here: the wasm or cpu backend, a
 * square filter [k, k, I/G, O] with I/G and O multiples of 4 (the SIMD lanes) and O/G even
 * (the filter gradient's tiles). Every 3x3 conv of a CondenseNet dense layer qualifies.
 */
export function directGroupConvApplies(filter: tf.Tensor4D, groups: number): boolean {
  const [kh, kw, perGroupIn, out] = filter.shape;
  return (
    hasTrainingKernels(tf.getBackend()) && kh === kw && perGroupIn % 4 === 0 && out % 4 === 0 && (out / groups) % 2 === 0
  );
}

/**
 * PyTorch's Conv2d(groups) on NHWC in three kernels of this package (forward, input gradient,
 * filter gradient), each touching only the grouped weights: no split of the input, no
 * concatenation, no block-diagonal filter with G times the work. The filter is repacked for
 * each kernel (small) by tf.transpose.
 */
export function directGroupConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  options: { groups: number; stride: number; padding: number },
): tf.Tensor4D {
  const attrs: GroupConvAttrs = { groups: options.groups, stride: options.stride, pad: options.padding };
  const k = filter.shape[0];
  const op = tf.customGrad((xIn, fIn, save) => {
    const input = xIn as tf.Tensor4D;
    const w = fIn as tf.Tensor4D;
    const value = tf.tidy(() => {
      const packed = tf.transpose(w, [3, 0, 1, 2]);
      return runTrainingKernel<tf.Tensor4D>(GROUP_CONV_FORWARD, { x: input, filter: packed }, attrs);
    });
    (save as tf.GradSaveFunc)([input, w]);
    return {
      value,
      // Temporaries of a custom gradient are not tidied by tfjs: without this scope they
      // live until the whole backward pass ends.
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
          const dx = runTrainingKernel<tf.Tensor4D>(
            GROUP_CONV_INPUT_GRAD,
            { dy: dy as tf.Tensor, filter: tf.transpose(ws, [0, 1, 3, 2]) },
            { ...attrs, inputShape: xs.shape },
          );
          const dw = runTrainingKernel<tf.Tensor4D>(GROUP_CONV_FILTER_GRAD, { x: xs, dy: dy as tf.Tensor }, { ...attrs, k });
          return [dx, tf.transpose(dw, [0, 1, 3, 2])];
        }),
    };
  });
  return op(x, filter) as tf.Tensor4D;
}
