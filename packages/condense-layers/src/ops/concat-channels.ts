import * as tf from '@tensorflow/tfjs-core';
import { CONCAT_CHANNELS, hasTrainingKernels, runTrainingKernel, SLICE_CHANNELS } from '../kernels/training-kernels.js';

/**
 * Concatenation along the last axis (the dense block's growing feature map), its gradient the
 * matching channel slices of dy. On wasm and cpu both directions are row copies of this
 * package's kernels: tfjs-wasm's Concat and SplitV copy element by element in JavaScript, and
 * on CondenseNet-86 they took a fifth of a training step (perf/RESULTS.md). Elsewhere stock
 * tf.concat, whose gradient tfjs provides.
 */
export function concatChannels(xs: tf.Tensor[]): tf.Tensor {
  if (!hasTrainingKernels(tf.getBackend())) return tf.concat(xs, -1);
  const sizes = xs.map((x) => x.shape[x.rank - 1]);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const inputs = args.slice(0, xs.length) as tf.Tensor[];
    return {
      value: runTrainingKernel(CONCAT_CHANNELS, Object.fromEntries(inputs.map((x, i) => [`x${i}`, x]))),
      gradFunc: (dy) => {
        let begin = 0;
        return sizes.map((size) => {
          const slice = sliceChannels(dy as tf.Tensor, begin, size);
          begin += size;
          return slice;
        });
      },
    };
  });
  return op(...xs);
}

/** x[..., begin : begin + size] (wasm and cpu kernels only; no gradient). */
function sliceChannels(x: tf.Tensor, begin: number, size: number): tf.Tensor {
  return runTrainingKernel(SLICE_CHANNELS, { x }, { begin, size });
}
