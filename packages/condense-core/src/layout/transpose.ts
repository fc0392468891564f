import { describe, requireLength, requirePositiveInteger } from '../condensation/checks.js';

/**
 * Reorders a row-major 4-D array: output axis a is input axis axes[a]. All layout conversions
 * are this with a fixed axis order, so they share one checked implementation.
 */
export function transpose4d(
  data: Float32Array,
  shape: readonly [number, number, number, number],
  axes: readonly [number, number, number, number],
  where = 'transpose4d',
): Float32Array {
  if (!Array.isArray(shape) || shape.length !== 4) {
    throw new Error(`${where}: shape = ${describe(shape)} must be 4 positive integers`);
  }
  shape.forEach((d, a) => requirePositiveInteger(d, where, `shape[${a}]`));
  const sorted = [...axes].sort();
  if (axes.length !== 4 || sorted.some((a, i) => a !== i)) {
    throw new Error(`${where}: axes = [${axes.join(', ')}] must be a permutation of [0, 1, 2, 3]`);
  }
  requireLength(data, shape[0] * shape[1] * shape[2] * shape[3], where, 'data', `product of shape [${shape.join(', ')}]`);
  const inStride = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  const outShape = axes.map((a) => shape[a]);
  const s0 = inStride[axes[0]];
  const s1 = inStride[axes[1]];
  const s2 = inStride[axes[2]];
  const s3 = inStride[axes[3]];
  const out = new Float32Array(data.length);
  let p = 0;
  for (let i0 = 0; i0 < outShape[0]; i0++) {
    for (let i1 = 0; i1 < outShape[1]; i1++) {
      for (let i2 = 0; i2 < outShape[2]; i2++) {
        const base = i0 * s0 + i1 * s1 + i2 * s2;
        for (let i3 = 0; i3 < outShape[3]; i3++) out[p++] = data[base + i3 * s3];
      }
    }
  }
  return out;
}
