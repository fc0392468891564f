import * as tf from '@tensorflow/tfjs-core';

/** How the channel gather runs: `gather` (tf.gather) or `matMul` with a one-hot selection. */
export type IndexSelectStrategy = 'gather' | 'matMul';

/**
 * y[..., s] = x[..., index[s]] on the last axis (channels, NHWC; features for rank 2). An index
 * may repeat a channel. The gradient is a matMul with the one-hot selection matrix, because
 * gather's own gradient needs UnsortedSegmentSum, which the wasm backend lacks.
 */
export function indexSelect<T extends tf.Tensor>(
  x: T,
  index: tf.Tensor1D,
  strategy: IndexSelectStrategy = 'gather',
): T {
  const channels = x.shape[x.rank - 1];
  const kept = index.shape[0];
  const op = tf.customGrad((xIn, save) => {
    const input = xIn as tf.Tensor;
    // One-hot selection S [kept, channels] and its transpose, both small: matMuls with a
    // transposed operand are much slower than plain ones on wasm.
    const onehot = tf.oneHot(tf.cast(index, 'int32'), channels) as tf.Tensor2D;
    (save as tf.GradSaveFunc)([onehot]);
    const flat = tf.reshape(input, [-1, channels]) as tf.Tensor2D;
    const selected =
      strategy === 'matMul'
        ? tf.matMul(flat, tf.transpose(onehot))
        : tf.gather(flat, tf.cast(index, 'int32'), 1);
    return {
      value: tf.reshape(selected, [...input.shape.slice(0, -1), kept]),
      // Temporaries of a custom gradient are not tidied by tfjs: without this scope they
      // live until the whole backward pass ends.
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [sel] = saved as [tf.Tensor2D];
          const dy2 = tf.reshape(dy as tf.Tensor, [-1, kept]) as tf.Tensor2D;
          return tf.reshape(tf.matMul(dy2, sel), input.shape);
        }),
    };
  });
  return op(x) as T;
}
