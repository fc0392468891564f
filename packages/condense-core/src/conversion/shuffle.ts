import { describe, requirePositiveInteger } from '../condensation/checks.js';

/**
 * The reference ShuffleLayer as a channel permutation, y[:, c] = x[:, perm[c]]:
 * view [N, G, C/G, ...], swap the two group axes, flatten, i.e. perm[k*G + g] = g*(C/G) + k.
 */
export function shufflePermutation(channels: number, groups: number): Int32Array {
  const where = 'shufflePermutation';
  requirePositiveInteger(channels, where, 'channels');
  requirePositiveInteger(groups, where, 'groups');
  if (channels % groups !== 0) {
    throw new Error(`${where}: channels = ${channels} must be divisible by groups = ${groups}`);
  }
  const perGroup = channels / groups;
  const perm = new Int32Array(channels);
  for (let g = 0; g < groups; g++) {
    for (let k = 0; k < perGroup; k++) perm[k * groups + g] = g * perGroup + k;
  }
  return perm;
}

export function invertPermutation(perm: Int32Array): Int32Array {
  const where = 'invertPermutation';
  if (!(perm instanceof Int32Array)) {
    throw new Error(`${where}: perm = ${describe(perm)} must be an Int32Array`);
  }
  const n = perm.length;
  const inverse = new Int32Array(n).fill(-1);
  for (let c = 0; c < n; c++) {
    const p = perm[c];
    if (p < 0 || p >= n) {
      throw new Error(`${where}: perm[${c}] = ${p} is out of range, expected 0 <= perm[${c}] < ${n}`);
    }
    if (inverse[p] !== -1) {
      throw new Error(`${where}: perm[${c}] = ${p} repeats perm[${inverse[p]}]; perm must be a permutation of 0..${n - 1}`);
    }
    inverse[p] = c;
  }
  return inverse;
}
