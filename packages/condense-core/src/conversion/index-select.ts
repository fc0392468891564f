import { validateLearnedGroupShape, type LearnedGroupShape } from '../condensation/shape.js';
import { validateMask } from '../condensation/state.js';

/**
 * The reference CondensingConv's `index`: for each group g, the first K = R / C columns j
 * (ascending) with M[g, j] = 1, in slots g*K .. g*K+K-1. A column kept by several groups
 * appears once per group.
 */
export function selectIndex(mask: Float32Array, shape: LearnedGroupShape): Int32Array {
  const where = 'selectIndex';
  validateLearnedGroupShape(shape, where);
  validateMask(mask, shape, where);
  const { inChannels: R, groups: G, condenseFactor: C } = shape;
  const K = R / C;
  const index = new Int32Array(G * K);
  for (let g = 0; g < G; g++) {
    let t = 0;
    for (let j = 0; j < R && t < K; j++) {
      if (mask[g * R + j] === 1) index[g * K + t++] = j;
    }
    if (t < K) {
      throw new Error(
        `${where}: group ${g} of mask keeps ${t} columns, expected at least inChannels / condenseFactor = ${K}`,
      );
    }
  }
  return index;
}
