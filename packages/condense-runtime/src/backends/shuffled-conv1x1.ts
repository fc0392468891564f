import { shufflePermutation } from '@condensenet/core';
import type { CondensedConv1x1Params } from './layer-weights.js';
import { foldBatchNorm } from './fold-batch-norm.js';

/** A condensed 1x1 with its BatchNorms folded and its rows in the shuffled output order. */
export interface ShuffledConv1x1 {
  groups: number;
  /** Input slots per group. */
  K: number;
  outChannels: number;
  /** Outputs per group. */
  kOut: number;
  /** Per slot, the BatchNorm before the conv as x * scale + shift. */
  before: { scale: Float32Array; shift: Float32Array };
  /** [O, K]: row c = m*G + g is grouped row g*kOut + m, times the after-norm scale of c. */
  weight: Float32Array;
  /** [O]: the after-norm shift per shuffled channel, or 0. */
  bias: Float32Array;
  relu: boolean;
}

/**
 * The layout-free part of packing a condensed 1x1 for the wasm kernels and the GPU programs:
 * shape checks (errors name `who`), BatchNorm folding, and the reference shuffle (core's
 * shufflePermutation) applied to the weight rows, so a kernel computing output channel c reads
 * row c. Every packer takes channel c from group c % G, which holds for the reference shuffle and
 * is checked here rather than assumed.
 */
export function shuffleCondensedConv1x1(p: CondensedConv1x1Params, who: string): ShuffledConv1x1 {
  const G = p.groups;
  const slots = p.index.length;
  if (!Number.isInteger(G) || G <= 0 || slots % G !== 0) throw new Error(`${who}: index has ${slots} entries, not a multiple of groups = ${G}`);
  const K = slots / G;
  const O = p.weight.length / K;
  if (!Number.isInteger(O) || O % G !== 0) throw new Error(`${who}: weight length ${p.weight.length} is not O * K with O divisible by ${G} (K = ${K})`);
  const kOut = O / G;
  const before = foldBatchNorm(p.norm, p.epsilon);
  const after = p.after ? foldBatchNorm(p.after, p.epsilon) : undefined;
  if (after && after.scale.length !== O) throw new Error(`${who}: after-norm has ${after.scale.length} channels, expected ${O}`);
  const perm = shufflePermutation(O, G);
  const weight = new Float32Array(O * K);
  const bias = new Float32Array(O);
  for (let c = 0; c < O; c++) {
    // The reference shuffle ([G, O/G] -> [O/G, G]) sends grouped row g*kOut + m to channel m*G + g.
    if (Math.floor(perm[c] / kOut) !== c % G) throw new Error(`${who}: output ${c} reads group ${Math.floor(perm[c] / kOut)}, the kernels expect ${c % G}`);
    const s = after ? after.scale[c] : 1;
    for (let t = 0; t < K; t++) weight[c * K + t] = p.weight[perm[c] * K + t] * s;
    bias[c] = after ? after.shift[c] : 0;
  }
  return { groups: G, K, outChannels: O, kOut, before, weight, bias, relu: after !== undefined };
}
