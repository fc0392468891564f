import type { KernelModule } from './kernel-module.js';

/** A 3x3 conv, pad 1, no bias, `groups` standard groups: the dense layer's second conv or the stem. */
export interface GroupedConv3x3Params {
  /** PyTorch layout [cout, cin/groups, 3, 3], as the artifact stores it. */
  weight: Float32Array;
  inChannels: number;
  outChannels: number;
  groups: number;
  /** 1 (dense layers) or 2 (the ImageNet stem). Default 1. */
  stride?: number;
}

/**
 * How many output channels one weight vector of groupedConv3x3 (asm/kernels.ts) spans, which
 * picks its formulation: 8 when every group has a multiple of 8 outputs (lanes over output
 * channels), 4 when groups of 2 outputs pair up (two groups per vector), else 1 (lanes over a
 * group's input channels). The kernel and its JavaScript port make the same choice.
 */
export function conv3x3LaneWidth(outputsPerGroup: number, groups: number): 1 | 4 | 8 {
  if (outputsPerGroup % 8 === 0) return 8;
  if (outputsPerGroup === 2 && groups % 2 === 0) return 4;
  return 1;
}

/**
 * Where the packed weight holds output c's tap (0-8, row-major) for input i of its group:
 * [cout / W][3][3][ci][W] for W = conv3x3LaneWidth (for W = 1, [cout][3][3][ci]).
 */
export function conv3x3WeightAt(c: number, tap: number, i: number, ci: number, width: number): number {
  return Math.floor(c / width) * 9 * ci * width + (tap * ci + i) * width + (c % width);
}

/** PyTorch's [cout][ci][3][3] weight with output c's tap for input i moved to at(c, tap, i). */
export function repackConv3x3Weight(weight: Float32Array, cout: number, ci: number, at: (c: number, tap: number, i: number) => number): Float32Array {
  const packed = new Float32Array(weight.length);
  for (let c = 0; c < cout; c++) {
    for (let i = 0; i < ci; i++) {
      for (let tap = 0; tap < 9; tap++) packed[at(c, tap, i)] = weight[(c * ci + i) * 9 + tap];
    }
  }
  return packed;
}

/** PyTorch's [cout][ci][3][3] weight in the kernel's layout (conv3x3WeightAt). */
export function packConv3x3Weight(weight: Float32Array, cout: number, ci: number, groups: number): Float32Array {
  const width = conv3x3LaneWidth(cout / groups, groups);
  return repackConv3x3Weight(weight, cout, ci, (c, tap, i) => conv3x3WeightAt(c, tap, i, ci, width));
}

/** A grouped 3x3 conv's weight uploaded in the kernel's layout (packConv3x3Weight). */
export class GroupedConv3x3 {
  private readonly weight: number;

  constructor(
    private readonly kernels: KernelModule,
    readonly params: GroupedConv3x3Params,
  ) {
    const { weight, inChannels: cin, outChannels: cout, groups, stride = 1 } = params;
    if (stride !== 1 && stride !== 2) throw new Error(`GroupedConv3x3: stride ${stride}, expected 1 or 2`);
    const ci = cin / groups;
    if (!Number.isInteger(ci) || ci % 4 !== 0 || cout % groups !== 0 || cout % 4 !== 0) {
      throw new Error(
        `GroupedConv3x3: ${cin} -> ${cout} channels in ${groups} groups; the SIMD kernel needs cin/groups and cout to be multiples of 4 and cout divisible by groups`,
      );
    }
    if (weight.length !== cout * ci * 9) {
      throw new Error(`GroupedConv3x3: weight has ${weight.length} values, expected cout * cin/groups * 9 = ${cout * ci * 9}`);
    }
    this.weight = kernels.put(packConv3x3Weight(weight, cout, ci, groups));
  }

  /** Frees the weight in the kernel module; the conv cannot run afterwards. */
  dispose(): void {
    this.kernels.free(this.weight);
  }

  /**
   * x: the zero-bordered input [batch, height + 2, width + 2, inChannels] at an address (see
   * asm/kernels.ts for why); writes channels yOffset.. of the [batch, (height - 1) / stride + 1,
   * (width - 1) / stride + 1] output rows of yStride floats.
   */
  run(x: number, batch: number, height: number, width: number, y: number, yStride: number, yOffset: number): void {
    this.kernels.exports.groupedConv3x3(...this.args(x, batch, height, width, y, yStride, yOffset));
  }

  /** The kernel's arguments for `run(...)`, checked. */
  args(x: number, batch: number, height: number, width: number, y: number, yStride: number, yOffset: number): Conv3x3Args {
    const { inChannels, outChannels, groups, stride = 1 } = this.params;
    if (yOffset + outChannels > yStride) throw new Error(`GroupedConv3x3: ${outChannels} outputs at ${yOffset} overflow rows of ${yStride}`);
    return [x, batch, height, width, inChannels, groups, this.weight, outChannels, stride, y, yStride, yOffset];
  }
}

export type Conv3x3Args = Parameters<KernelModule['exports']['groupedConv3x3']>;
