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
 * The layout-free part of packing a condensed 1x1 for the GPU programs: shape checks (errors
 * name `who`), BatchNorm folding, and the reference shuffle applied to the weight rows, so a
 * program computing output channel c reads row c.
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
  const weight = new Float32Array(O * K);
  const bias = new Float32Array(O);
  for (let g = 0; g < G; g++) {
    for (let m = 0; m < kOut; m++) {
      // The reference shuffle ([G, O/G] -> [O/G, G]) sends grouped row g*kOut + m to channel m*G + g.
      const c = m * G + g;
      const s = after ? after.scale[c] : 1;
      for (let t = 0; t < K; t++) weight[c * K + t] = p.weight[(g * kOut + m) * K + t] * s;
      bias[c] = after ? after.shift[c] : 0;
    }
  }
  return { groups: G, K, outChannels: O, kOut, before, weight, bias, relu: after !== undefined };
}
