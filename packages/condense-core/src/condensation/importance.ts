import { requireLength } from './checks.js';
import { validateLearnedGroupShape, type LearnedGroupShape } from './shape.js';
import { validateMask } from './state.js';

/**
 * imp[g*R + j] = sum over o = g, g+G, g+2G, ... of |W[o, j] * M[o, j]|.
 * Rounded to float32 after every addition, in increasing o, because the reference sums a
 * float32 tensor and torch adds short reductions (up to 16 rows per group, which covers the
 * golden cases) one row after another; matching that rounding keeps the pruning order
 * identical on near-ties.
 */
export function groupImportance(weight: Float32Array, mask: Float32Array, shape: LearnedGroupShape): Float32Array {
  const where = 'groupImportance';
  validateLearnedGroupShape(shape, where);
  const { outChannels: O, inChannels: R } = shape;
  requireLength(weight, O * R, where, 'weight', `outChannels * inChannels = ${O} * ${R}`);
  validateMask(mask, shape, where);
  return importanceUnchecked(weight, mask, shape);
}

export function importanceUnchecked(weight: Float32Array, mask: Float32Array, shape: LearnedGroupShape): Float32Array {
  const { outChannels: O, inChannels: R, groups: G } = shape;
  const imp = new Float32Array(G * R);
  for (let g = 0; g < G; g++) {
    for (let j = 0; j < R; j++) {
      let acc = 0;
      for (let o = g; o < O; o += G) {
        acc = Math.fround(acc + Math.abs(Math.fround(weight[o * R + j] * mask[o * R + j])));
      }
      imp[g * R + j] = acc;
    }
  }
  return imp;
}
