import { requireLength, requireNonNegativeInteger } from './checks.js';
import { validateLearnedGroupShape, type LearnedGroupShape } from './shape.js';
import { validateMask } from './state.js';

/** Floor under each squared group norm, as the reference's clamp(min=1e-6) before sqrt. */
const LASSO_FLOOR = 1e-6;

/**
 * norms[g*R + j] = sqrt(max(sum over o = g, g+G, ... of (W[o, j] * M[o, j])^2, 1e-6)).
 * The floor keeps the gradient finite for pruned columns, which therefore still add 1e-3 each.
 */
export function groupLassoGroupNorms(weight: Float32Array, mask: Float32Array, shape: LearnedGroupShape): Float64Array {
  const where = 'groupLassoGroupNorms';
  validateLearnedGroupShape(shape, where);
  const { outChannels: O, inChannels: R, groups: G } = shape;
  requireLength(weight, O * R, where, 'weight', `outChannels * inChannels = ${O} * ${R}`);
  validateMask(mask, shape, where);
  const norms = new Float64Array(G * R);
  for (let g = 0; g < G; g++) {
    for (let j = 0; j < R; j++) {
      let sq = 0;
      for (let o = g; o < O; o += G) {
        const w = weight[o * R + j] * mask[o * R + j];
        sq += w * w;
      }
      norms[g * R + j] = Math.sqrt(Math.max(sq, LASSO_FLOOR));
    }
  }
  return norms;
}

/**
 * The reference's `lasso_loss` for one layer. It switches off once stage >= groups - 1 (it
 * compares with G, not C), so with G < C the penalty stops before condensing ends and with
 * G = 1 it never applies.
 */
export function groupLassoValue(
  weight: Float32Array,
  mask: Float32Array,
  shape: LearnedGroupShape,
  stage: number,
): number {
  const where = 'groupLassoValue';
  validateLearnedGroupShape(shape, where);
  const { outChannels: O, inChannels: R } = shape;
  requireLength(weight, O * R, where, 'weight', `outChannels * inChannels = ${O} * ${R}`);
  validateMask(mask, shape, where);
  requireNonNegativeInteger(stage, where, 'stage');
  if (stage >= shape.groups - 1) return 0;
  let total = 0;
  for (const n of groupLassoGroupNorms(weight, mask, shape)) total += n;
  return total;
}
