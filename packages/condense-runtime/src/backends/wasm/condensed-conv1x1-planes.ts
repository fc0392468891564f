import type { CondensedConv1x1Params } from '../layer-weights.js';
import { shuffleCondensedConv1x1 } from '../shuffled-conv1x1.js';
import { channelsRead } from './condensed-conv1x1.js';
import type { KernelModule } from './kernel-module.js';

/** Operands in the layout `condensedConv1x1Planes` in asm/kernels.ts reads (see there). */
export interface PackedConv1x1Planes {
  /** Byte offsets of the gathered channels inside a pixel row, [G][K]. */
  index: Int32Array;
  scale: Float32Array;
  shift: Float32Array;
  /** [G][kOut / 4][K][4]: group g's positions four at a time, each slot's four weights together. */
  weight: Float32Array;
  /** Per output channel, shuffled order. */
  bias: Float32Array;
  relu: boolean;
  groups: number;
  K: number;
  kOut: number;
  outChannels: number;
  /** Highest input channel read + 1: the input row must hold at least that many channels. */
  inChannels: number;
}

/** Whether condensedConv1x1Planes can run a layer with `kOut` outputs per group: whole vectors of four. */
export function conv1x1PlanesFits(kOut: number): boolean {
  return kOut % 4 === 0;
}

/** Where the packed weight [G][kOut / 4][K][4] holds slot t of group g's position m. */
export function conv1x1PlanesWeightAt(g: number, m: number, t: number, K: number, kOut: number): number {
  return ((g * (kOut >> 2) + (m >> 2)) * K + t) * 4 + (m & 3);
}

/** Rearranges a condensed layer for the kernel that writes planes (shuffleCondensedConv1x1). */
export function packCondensedConv1x1Planes(p: CondensedConv1x1Params): PackedConv1x1Planes {
  const layer = shuffleCondensedConv1x1(p, 'packCondensedConv1x1Planes');
  const { groups: G, K, outChannels: O, kOut, before } = layer;
  if (!conv1x1PlanesFits(kOut)) throw new Error(`packCondensedConv1x1Planes: ${kOut} outputs per group, the kernel needs a multiple of 4`);
  const weight = new Float32Array(O * K);
  for (let g = 0; g < G; g++) {
    for (let m = 0; m < kOut; m++) {
      for (let t = 0; t < K; t++) weight[conv1x1PlanesWeightAt(g, m, t, K, kOut)] = layer.weight[(m * G + g) * K + t];
    }
  }
  return {
    index: Int32Array.from(p.index, (i) => i * 4),
    scale: before.scale,
    shift: before.shift,
    weight,
    bias: layer.bias,
    relu: layer.relu,
    groups: G,
    K,
    kOut,
    outChannels: O,
    inChannels: channelsRead(p.index),
  };
}

/** Where a planes layout puts an image's rows: one line of `pitch` floats per channel per row. */
export interface PlanesLayout {
  /** Floats from one image row to the next: channels * pitch. */
  rowPitch: number;
  /** Floats from one channel's line to the next. */
  pitch: number;
}

/** A packed layer uploaded into the kernel module's memory, writing planes (condensedConv1x1Planes). */
export class CondensedConv1x1Planes {
  private readonly at: { index: number; scale: number; shift: number; weight: number; bias: number };

  constructor(
    private readonly kernels: KernelModule,
    readonly packed: PackedConv1x1Planes,
  ) {
    this.at = {
      index: kernels.put(packed.index),
      scale: kernels.put(packed.scale),
      shift: kernels.put(packed.shift),
      weight: kernels.put(packed.weight),
      bias: kernels.put(packed.bias),
    };
  }

  /** Frees the layer's operands in the kernel module; the layer cannot run afterwards. */
  dispose(): void {
    for (const at of Object.values(this.at)) this.kernels.free(at);
  }

  /**
   * The kernel's arguments for `rows` image rows of `width` pixels of x (pixel rows of xStride
   * floats), written as planes at y (row 0, column 0 of the output), checked; `scratch` holds
   * scratchBytes.
   */
  args(x: number, xStride: number, rows: number, width: number, y: number, planes: PlanesLayout, scratch: number): Conv1x1PlanesArgs {
    const { packed: k, at } = this;
    if (xStride < k.inChannels) throw new Error(`CondensedConv1x1Planes: input rows hold ${xStride} channels, the index reads channel ${k.inChannels - 1}`);
    if (width % 4 !== 0) throw new Error(`CondensedConv1x1Planes: width ${width} is not a multiple of 4`);
    if (planes.pitch < width) throw new Error(`CondensedConv1x1Planes: lines of ${planes.pitch} floats cannot hold ${width} pixels`);
    if (planes.rowPitch < k.outChannels * planes.pitch) {
      throw new Error(`CondensedConv1x1Planes: rows of ${planes.rowPitch} floats cannot hold ${k.outChannels} lines of ${planes.pitch}`);
    }
    return [
      x, xStride, rows, width,
      at.index, at.scale, at.shift, at.weight, at.bias, k.relu ? 1 : 0,
      k.groups, k.K, k.kOut,
      y, planes.rowPitch, planes.pitch, scratch,
    ];
  }

  /** Bytes of scratch `args` needs. */
  get scratchBytes(): number {
    return 2 * this.packed.K * 16;
  }
}

export type Conv1x1PlanesArgs = Parameters<KernelModule['exports']['condensedConv1x1Planes']>;
