import type { PlanesLayout } from './condensed-conv1x1-planes.js';
import { conv3x3LaneWidth, type GroupedConv3x3Params, repackConv3x3Weight } from './grouped-conv3x3.js';
import type { KernelModule } from './kernel-module.js';

/**
 * Whether a dense layer's 3x3 is faster from planes (groupedConv3x3Planes) than from NHWC rows:
 * where its groups have an even number of outputs that is not a multiple of 8 (2 and 4 in the
 * paper's first two blocks: 1.4-1.7x measured), on rows of whole vectors of four pixels.
 */
export function conv3x3PlanesFits(outputsPerGroup: number, groups: number, width: number): boolean {
  return outputsPerGroup % 2 === 0 && conv3x3LaneWidth(outputsPerGroup, groups) !== 8 && width % 4 === 0;
}

/** Where the packed weight holds output c's tap (0-8, row-major) for input i of its group: [cout / 2][ci][3][3][2]. */
export function conv3x3PlanesWeightAt(c: number, tap: number, i: number, ci: number): number {
  return (((c >> 1) * ci + i) * 9 + tap) * 2 + (c & 1);
}

/** PyTorch's [cout][ci][3][3] weight in groupedConv3x3Planes' layout (conv3x3PlanesWeightAt). */
export function packConv3x3WeightPlanes(weight: Float32Array, cout: number, ci: number): Float32Array {
  return repackConv3x3Weight(weight, cout, ci, (c, tap, i) => conv3x3PlanesWeightAt(c, tap, i, ci));
}

/** A dense layer's grouped 3x3 (stride 1) uploaded for groupedConv3x3Planes. */
export class GroupedConv3x3Planes {
  private readonly weight: number;

  constructor(
    private readonly kernels: KernelModule,
    readonly params: GroupedConv3x3Params,
  ) {
    const { weight, inChannels: cin, outChannels: cout, groups, stride = 1 } = params;
    if (stride !== 1) throw new Error(`GroupedConv3x3Planes: stride ${stride}, the planes kernel has stride 1`);
    const ci = cin / groups;
    const co = cout / groups;
    if (!Number.isInteger(ci) || !Number.isInteger(co) || co % 2 !== 0) {
      throw new Error(`GroupedConv3x3Planes: ${cin} -> ${cout} channels in ${groups} groups; the kernel needs whole groups with an even number of outputs`);
    }
    if (weight.length !== cout * ci * 9) {
      throw new Error(`GroupedConv3x3Planes: weight has ${weight.length} values, expected cout * cin/groups * 9 = ${cout * ci * 9}`);
    }
    this.weight = kernels.put(packConv3x3WeightPlanes(weight, cout, ci));
  }

  /** Frees the weight in the kernel module; the conv cannot run afterwards. */
  dispose(): void {
    this.kernels.free(this.weight);
  }

  /**
   * The kernel's arguments, checked: x is row 0 of the zero-bordered planes (`height` + 2 rows
   * of inChannels lines, the image at columns 1..width); writes channels yOffset.. of the
   * [height, width] NHWC output rows of yStride floats at y.
   */
  args(x: number, height: number, width: number, planes: PlanesLayout, y: number, yStride: number, yOffset: number): Conv3x3PlanesArgs {
    const { inChannels, outChannels, groups } = this.params;
    if (yOffset + outChannels > yStride) throw new Error(`GroupedConv3x3Planes: ${outChannels} outputs at ${yOffset} overflow rows of ${yStride}`);
    if (width % 4 !== 0) throw new Error(`GroupedConv3x3Planes: width ${width} is not a multiple of 4`);
    if (planes.pitch < width + 2) throw new Error(`GroupedConv3x3Planes: lines of ${planes.pitch} floats cannot hold ${width} pixels and the border`);
    if (planes.rowPitch !== inChannels * planes.pitch) {
      throw new Error(`GroupedConv3x3Planes: rows of ${planes.rowPitch} floats, expected ${inChannels} lines of ${planes.pitch}`);
    }
    return [x, height, width, planes.pitch, inChannels, groups, this.weight, outChannels, y, yStride, yOffset];
  }
}

export type Conv3x3PlanesArgs = Parameters<KernelModule['exports']['groupedConv3x3Planes']>;
