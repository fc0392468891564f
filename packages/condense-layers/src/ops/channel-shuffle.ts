import * as tf from '@tensorflow/tfjs-core';

/**
 * The reference's ShuffleLayer on NHWC: view channels as [G, C/G], swap, flatten, so that
 * y[..., k*G + g] = x[..., g*(C/G) + k]. It turns contiguous group outputs back into the
 * interleaved order of the training form.
 */
export function channelShuffle(x: tf.Tensor4D, groups: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (c % groups !== 0) throw new Error(`channelShuffle: ${c} channels do not split into ${groups} groups`);
  if (groups === 1) return x;
  const split = tf.reshape(x, [n, h, w, groups, c / groups]);
  return tf.reshape(tf.transpose(split, [0, 1, 2, 4, 3]), [n, h, w, c]);
}
