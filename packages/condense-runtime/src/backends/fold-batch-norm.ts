import type { BatchNormParams } from '@condensenet/core';

/** Eval-mode BatchNorm as y = x * scale + shift (the reference's eps is 1e-5). */
export function foldBatchNorm(norm: BatchNormParams, epsilon: number): { scale: Float32Array; shift: Float32Array } {
  const n = norm.gamma.length;
  const scale = new Float32Array(n);
  const shift = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    scale[c] = norm.gamma[c] / Math.sqrt(norm.runningVar[c] + epsilon);
    shift[c] = norm.beta[c] - norm.runningMean[c] * scale[c];
  }
  return { scale, shift };
}
