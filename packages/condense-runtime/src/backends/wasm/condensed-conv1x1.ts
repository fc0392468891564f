import { shuffleCondensedConv1x1 } from '../shuffled-conv1x1.js';
import type { CondensedConv1x1Params } from '../layer-weights.js';
import type { KernelModule } from './kernel-module.js';

/** Operands in the layout `condensedConv1x1` in asm/kernels.ts reads (see there). */
export interface PackedConv1x1 {
  /** Byte offsets of the gathered channels inside a pixel row, [quads][K][4]. */
  index: Int32Array;
  scale: Float32Array;
  shift: Float32Array;
  /** [quads][kOut / 2][K][2][4]: see conv1x1WeightVector. */
  weight: Float32Array;
  /** Per output channel, shuffled order. */
  bias: Float32Array;
  relu: boolean;
  quads: number;
  K: number;
  kOut: number;
  outChannels: number;
  /** Highest input channel read + 1: the input row must hold at least that many channels. */
  inChannels: number;
}

/**
 * Where the packed weight holds the 4 lanes of quad q, slot t, output position m (in vectors of
 * 4 floats): positions are paired (m, m+1) and each pair's K slots are one contiguous run of
 * [K][2] vectors, the order condensedConv1x1 sweeps them in; an odd kOut's last position is a run
 * of its own, [K].
 */
export function conv1x1WeightVector(q: number, t: number, m: number, K: number, kOut: number): number {
  const { start, step } = conv1x1WeightRun(q, m, K, kOut);
  return start + step * t;
}

/** Slot t of quad q, position m is vector start + step * t of the packed weight (conv1x1WeightVector). */
export function conv1x1WeightRun(q: number, m: number, K: number, kOut: number): { start: number; step: number } {
  const pairStart = (q * kOut + (m & ~1)) * K;
  return (m | 1) < kOut ? { start: pairStart + (m & 1), step: 2 } : { start: pairStart, step: 1 };
}

/** The highest input channel a layer's index reads, plus one: its input rows must hold that many. */
export function channelsRead(index: Int32Array): number {
  return index.reduce((most, i) => Math.max(most, i + 1), 0);
}

/**
 * Rearranges a condensed layer for the fused kernel (shuffleCondensedConv1x1). The kernel needs
 * the four lanes of a vector to come from four consecutive groups: G a multiple of 4.
 */
export function packCondensedConv1x1(p: CondensedConv1x1Params): PackedConv1x1 {
  const G = p.groups;
  if (!Number.isInteger(G) || G <= 0 || G % 4 !== 0) {
    throw new Error(`packCondensedConv1x1: groups = ${G}; the SIMD kernel needs a positive multiple of 4`);
  }
  const layer = shuffleCondensedConv1x1(p, 'packCondensedConv1x1');
  const { K, outChannels: O, kOut, before } = layer;
  const quads = G / 4;
  const slots = G * K;
  const index = new Int32Array(slots);
  const scale = new Float32Array(slots);
  const shift = new Float32Array(slots);
  const weight = new Float32Array(O * K);
  for (let q = 0; q < quads; q++) {
    for (let t = 0; t < K; t++) {
      for (let l = 0; l < 4; l++) {
        const slot = (4 * q + l) * K + t;
        const at = (q * K + t) * 4 + l;
        index[at] = p.index[slot] * 4;
        scale[at] = before.scale[slot];
        shift[at] = before.shift[slot];
      }
    }
    for (let m = 0; m < kOut; m++) {
      for (let l = 0; l < 4; l++) {
        const c = m * G + 4 * q + l;
        for (let t = 0; t < K; t++) weight[conv1x1WeightVector(q, t, m, K, kOut) * 4 + l] = layer.weight[c * K + t];
      }
    }
  }
  return { index, scale, shift, weight, bias: layer.bias, relu: layer.relu, quads, K, kOut, outChannels: O, inChannels: channelsRead(p.index) };
}

/** A packed layer uploaded into the kernel module's memory, ready to run on any number of pixels. */
export class CondensedConv1x1 {
  private readonly at: { index: number; scale: number; shift: number; weight: number; bias: number; scratch: number };

  constructor(
    private readonly kernels: KernelModule,
    readonly packed: PackedConv1x1,
  ) {
    this.at = {
      index: kernels.put(packed.index),
      scale: kernels.put(packed.scale),
      shift: kernels.put(packed.shift),
      weight: kernels.put(packed.weight),
      bias: kernels.put(packed.bias),
      scratch: kernels.alloc(4 * packed.K * 16),
    };
  }

  /** Frees the layer's operands in the kernel module; the layer cannot run afterwards. */
  dispose(): void {
    for (const at of Object.values(this.at)) this.kernels.free(at);
  }

  /**
   * y[p, yOffset + c] for `pixels` pixel rows of x (row strides in floats); x and y are
   * addresses in the kernel module's memory. With `spans`, the pixels are `spans.count` image
   * rows and output image row s starts `spans.yPitch` floats after row s-1 (the interior of a
   * zero-bordered buffer); input rows stay contiguous.
   */
  run(
    x: number, xStride: number, pixels: number, y: number, yStride: number, yOffset: number,
    spans: { count: number; yPitch: number } = { count: 1, yPitch: pixels * yStride },
  ): void {
    this.kernels.exports.condensedConv1x1(...this.args(x, xStride, pixels, y, yStride, yOffset, spans, this.at.scratch));
  }

  /**
   * The kernel's arguments for `run(...)`, checked, with `scratch` (4 * K vectors) in place of the
   * layer's own: threads running the same layer at once each pass their own.
   */
  args(
    x: number, xStride: number, pixels: number, y: number, yStride: number, yOffset: number,
    spans: { count: number; yPitch: number }, scratch: number,
  ): Conv1x1Args {
    const { packed: k, at } = this;
    if (xStride < k.inChannels) throw new Error(`CondensedConv1x1: input rows hold ${xStride} channels, the index reads channel ${k.inChannels - 1}`);
    if (yOffset + k.outChannels > yStride) throw new Error(`CondensedConv1x1: ${k.outChannels} outputs at ${yOffset} overflow rows of ${yStride}`);
    if (pixels % spans.count !== 0) throw new Error(`CondensedConv1x1: ${pixels} pixels do not split into ${spans.count} equal spans`);
    return [
      x, xStride, spans.count, pixels / spans.count,
      at.index, at.scale, at.shift, at.weight, at.bias, k.relu ? 1 : 0,
      k.quads, k.K, k.kOut,
      y, yStride, spans.yPitch, yOffset,
      scratch,
    ];
  }

  /** Bytes of scratch `args` needs. */
  get scratchBytes(): number {
    return 4 * this.packed.K * 16;
  }
}

export type Conv1x1Args = Parameters<KernelModule['exports']['condensedConv1x1']>;
