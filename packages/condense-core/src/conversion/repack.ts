import { requireIndicesInRange, requireLength } from '../condensation/checks.js';
import { validateLearnedGroupShape, type LearnedGroupShape } from '../condensation/shape.js';

/**
 * The grouped 1x1 weight [O, K] of the converted layer: W'[g*(O/G) + k, t] =
 * W[g + k*G, index[g*K + t]]. Outputs become contiguous per group here; the channel shuffle
 * after the grouped conv puts them back in the interleaved order of the training form.
 */
export function repackGroupedWeight(weight: Float32Array, index: Int32Array, shape: LearnedGroupShape): Float32Array {
  const where = 'repackGroupedWeight';
  validateLearnedGroupShape(shape, where);
  const { outChannels: O, inChannels: R, groups: G, condenseFactor: C } = shape;
  const K = R / C;
  requireLength(weight, O * R, where, 'weight', `outChannels * inChannels = ${O} * ${R}`);
  requireLength(index, G * K, where, 'index', `groups * inChannels / condenseFactor = ${G} * ${K}`);
  requireIndicesInRange(index, R, where, 'index');
  const dOut = O / G;
  const out = new Float32Array(O * K);
  for (let g = 0; g < G; g++) {
    for (let k = 0; k < dOut; k++) {
      const src = (g + k * G) * R;
      const dst = (g * dOut + k) * K;
      for (let t = 0; t < K; t++) out[dst + t] = weight[src + index[g * K + t]];
    }
  }
  return out;
}
