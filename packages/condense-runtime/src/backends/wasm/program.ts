import type { KernelExports } from './exports.js';
import { stageImageRows } from './stage-image.js';

/**
 * A forward pass as a flat list of kernel calls (opcode, then that op's arguments, all int32
 * byte addresses and sizes), so the main thread and every worker thread run one image the same
 * way: the same calls in the same order give the same bits wherever they run.
 */
export const Op = {
  /** groupedConv3x3 on image n: [x, xPerImage, height, width, cin, groups, weight, cout, stride, y, yStride, yOffset]; reads x + n * xPerImage. */
  stem: 1,
  /** condensedConv1x1's 18 arguments. */
  conv1x1: 2,
  /** groupedConv3x3's 12 arguments. */
  conv3x3: 3,
  /** avgPool2x2's 8 arguments. */
  pool: 4,
  /** normReluMean on image n: [x, pixels, channels, scale, shift, y, yPerImage]; writes y + n * yPerImage. */
  head: 5,
  /** Every thread running the program waits here for the others. */
  barrier: 6,
  /**
   * condensingLinear on image n, some of the classes: [x, xPerImage, features, index, kept,
   * weight, bias, classes, y, yPerImage, scratch]; reads x + n * xPerImage, writes y + n * yPerImage.
   */
  linear: 7,
  /**
   * stageImageRows (stage-image.ts, JavaScript) on image n: [raw, rawPerImage, size, inChannels,
   * from, to, dst, dstPerImage, norm]; reads raw + n * rawPerImage, writes dst + n * dstPerImage.
   */
  stage: 8,
  /** condensedConv1x1Planes' 17 arguments. */
  conv1x1Planes: 9,
  /** groupedConv3x3Planes' 11 arguments. */
  conv3x3Planes: 10,
} as const;

/** Arguments each op takes, by opcode. */
export const OP_ARGS: Readonly<Record<number, number>> = { 1: 12, 2: 18, 3: 12, 4: 8, 5: 7, 6: 0, 7: 11, 8: 9, 9: 17, 10: 11 };

/** Appends ops to an Int32Array program. */
export class ProgramBuilder {
  private readonly words: number[] = [];

  push(op: number, ...args: number[]): void {
    if (args.length !== OP_ARGS[op]) throw new Error(`ProgramBuilder: op ${op} takes ${OP_ARGS[op]} arguments, got ${args.length}`);
    for (const a of args) {
      if (!Number.isInteger(a) || a < -0x80000000 || a > 0x7fffffff) throw new Error(`ProgramBuilder: argument ${a} is not an int32`);
    }
    this.words.push(op, ...args);
  }

  build(): Int32Array {
    return Int32Array.from(this.words);
  }
}

/** Runs `program` on image `n`; `barrier` is called at each barrier op (threads only). */
export function runProgram(k: KernelExports, program: Int32Array, n: number, barrier: () => void = noBarrier): void {
  const a = program;
  for (let i = 0; i < a.length; ) {
    const op = a[i];
    const p = i + 1;
    switch (op) {
      case Op.stem:
        k.groupedConv3x3(a[p] + n * a[p + 1], 1, a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8], a[p + 9], a[p + 10], a[p + 11]);
        break;
      case Op.conv1x1:
        k.condensedConv1x1(
          a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8], a[p + 9],
          a[p + 10], a[p + 11], a[p + 12], a[p + 13], a[p + 14], a[p + 15], a[p + 16], a[p + 17],
        );
        break;
      case Op.conv3x3:
        k.groupedConv3x3(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8], a[p + 9], a[p + 10], a[p + 11]);
        break;
      case Op.conv1x1Planes:
        k.condensedConv1x1Planes(
          a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8], a[p + 9],
          a[p + 10], a[p + 11], a[p + 12], a[p + 13], a[p + 14], a[p + 15], a[p + 16],
        );
        break;
      case Op.conv3x3Planes:
        k.groupedConv3x3Planes(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8], a[p + 9], a[p + 10]);
        break;
      case Op.pool:
        k.avgPool2x2(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7]);
        break;
      case Op.head:
        k.normReluMean(a[p], a[p + 1], a[p + 2], a[p + 3], a[p + 4], a[p + 5] + n * a[p + 6]);
        break;
      case Op.barrier:
        barrier();
        break;
      case Op.stage:
        stageImageRows(k.memory, { raw: a[p] + n * a[p + 1], size: a[p + 2], inChannels: a[p + 3], from: a[p + 4], to: a[p + 5], dst: a[p + 6] + n * a[p + 7], norm: a[p + 8] });
        break;
      case Op.linear:
        k.condensingLinear(a[p] + n * a[p + 1], 1, a[p + 2], a[p + 3], a[p + 4], a[p + 5], a[p + 6], a[p + 7], a[p + 8] + n * a[p + 9], a[p + 10]);
        break;
      default:
        throw new Error(`runProgram: unknown op ${op} at word ${i}`);
    }
    i = p + OP_ARGS[op];
  }
}

function noBarrier(): void {}
