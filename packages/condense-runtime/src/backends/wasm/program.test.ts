import { describe, expect, it } from 'vitest';
import type { KernelExports } from './exports.js';
import { Op, ProgramBuilder, runProgram } from './program.js';
import { rowRange } from './forward.js';

describe('kernel programs', () => {
  it('run their ops in order, offsetting the stem input, the head output and the Linear by image', () => {
    const calls: unknown[][] = [];
    const record = (name: string) => (...args: number[]) => void calls.push([name, ...args]);
    const k = {
      groupedConv3x3: record('conv3x3'),
      condensedConv1x1: record('conv1x1'),
      avgPool2x2: record('pool'),
      normReluMean: record('head'),
      condensingLinear: record('linear'),
    } as unknown as KernelExports;
    const p = new ProgramBuilder();
    p.push(Op.stem, 100, 10, 3, 3, 4, 1, 7, 8, 1, 500, 8, 0);
    p.push(Op.barrier);
    p.push(Op.pool, 1, 1, 2, 2, 4, 4, 2, 4);
    p.push(Op.head, 9, 4, 8, 1, 2, 600, 32);
    p.push(Op.linear, 600, 32, 8, 3, 5, 700, 800, 12, 900, 40, 1000);
    let barriers = 0;
    runProgram(k, p.build(), 2, () => barriers++);
    expect(calls).toEqual([
      ['conv3x3', 120, 1, 3, 3, 4, 1, 7, 8, 1, 500, 8, 0],
      ['pool', 1, 1, 2, 2, 4, 4, 2, 4],
      ['head', 9, 4, 8, 1, 2, 664],
      ['linear', 664, 1, 8, 3, 5, 700, 800, 12, 980, 1000],
    ]);
    expect(barriers).toBe(1);
  });

  it('stages image n from its own raw pixels into its own bordered input', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    new Float64Array(memory.buffer, 0, 8).set([0.5, 0, 0, 0, 2, 1, 1, 1]);
    // Two 1x1 one-channel images at 64 and 68; bordered inputs (3x3 pixels of 4 floats) at 256, 400.
    new Float32Array(memory.buffer, 64, 2).set([1.5, 4.5]);
    const p = new ProgramBuilder();
    p.push(Op.stage, 64, 4, 1, 1, 0, 1, 256, 144, 0);
    runProgram({ memory } as KernelExports, p.build(), 1);
    const staged = new Float32Array(memory.buffer, 400, 36);
    expect(staged[16]).toBe(2);
    expect([...staged].filter((v) => v !== 0)).toEqual([2]);
    expect(new Float32Array(memory.buffer, 256, 36).every((v) => v === 0)).toBe(true);
  });

  it('refuses a wrong argument count, a non-int32 argument and an unknown op', () => {
    const p = new ProgramBuilder();
    expect(() => p.push(Op.pool, 1, 2)).toThrow(/op 4 takes 8 arguments, got 2/);
    expect(() => p.push(Op.head, 1, 2, 3, 4, 5, 2 ** 31, 0)).toThrow(/2147483648 is not an int32/);
    expect(() => runProgram({} as KernelExports, Int32Array.of(42), 0)).toThrow(/unknown op 42 at word 0/);
  });

  it('splits rows into contiguous parts that differ by at most one row and cover them all', () => {
    for (const rows of [1, 5, 7, 32, 56]) {
      for (const parts of [1, 2, 3, 4, 8]) {
        const ranges = Array.from({ length: parts }, (_, t) => rowRange(rows, t, parts));
        expect(ranges[0][0]).toBe(0);
        expect(ranges.at(-1)![1]).toBe(rows);
        ranges.slice(1).forEach((r, t) => expect(r[0]).toBe(ranges[t][1]));
        const sizes = ranges.map(([a, b]) => b - a);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    }
  });
});
