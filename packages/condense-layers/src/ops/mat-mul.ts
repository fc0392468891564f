import * as tf from '@tensorflow/tfjs-core';
import { hasTrainingKernels, MAT_MUL, runTrainingKernel } from '../kernels/training-kernels.js';

/**
 * a x b for a [rows, k], b [k, n]: a 1x1 conv over all pixels (rows), forward or input
 * gradient. On wasm and cpu one kernel of this package (n a multiple of 4), which sums in the
 * order tfjs-wasm's matMul does (the same bits) at 1.2-1.5x its rate on the training shapes,
 * where the weight is a new tensor every step (perf/RESULTS.md). Elsewhere tf.matMul. No
 * gradient: it is used inside custom gradients.
 */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (a.shape[1] !== b.shape[0]) throw new Error(`matMul: a [${a.shape}] and b [${b.shape}] do not chain`);
  if (hasTrainingKernels(tf.getBackend()) && b.shape[1] % 4 === 0) return runTrainingKernel<tf.Tensor2D>(MAT_MUL, { a, b });
  return tf.matMul(a, b);
}
