import * as tf from '@tensorflow/tfjs-core';
import { hasTrainingKernels, MAT_MUL_AT_B, runTrainingKernel } from '../kernels/training-kernels.js';

/**
 * a^T b for a [rows, m], b [rows, n]: a 1x1 conv's filter gradient (activations^T x output
 * gradient, rows = pixels). On wasm and cpu one kernel of this package, which reads both
 * operands in place (n a multiple of 4); elsewhere an explicit transpose and a plain matMul,
 * because tfjs-wasm's matMul with transposeA set takes a naive path (perf/RESULTS.md). No
 * gradient: it is only used inside gradient functions.
 */
export function matMulAtB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (hasTrainingKernels(tf.getBackend()) && b.shape[1] % 4 === 0) {
    return runTrainingKernel<tf.Tensor2D>(MAT_MUL_AT_B, { a, b });
  }
  return tf.matMul(tf.transpose(a), b);
}
