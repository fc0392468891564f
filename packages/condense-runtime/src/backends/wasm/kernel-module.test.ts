import { beforeEach, describe, expect, it } from 'vitest';
import { testKernels } from '../../test-support/kernels.js';
import type { KernelModule } from './kernel-module.js';

describe.each(['wasm', 'relaxed', 'js'] as const)('KernelModule allocator (%s)', (kind) => {
  let kernels: KernelModule;
  beforeEach(async () => {
    kernels = await testKernels(kind);
  });

  it('reuses freed ranges, merging neighbours, so alloc/free cycles do not grow the memory', () => {
    const a = kernels.alloc(100);
    const b = kernels.alloc(200_000);
    const c = kernels.alloc(5);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(kernels.liveAllocations).toBe(3);
    expect(kernels.liveBytes).toBe(112 + 200_000 + 16);
    kernels.free(a);
    kernels.free(b);
    // a and b merged: one range big enough for both.
    expect(kernels.alloc(200_100)).toBe(a);
    const cycle = (i: number) => {
      const xs = [kernels.alloc(70_000), kernels.alloc(1), kernels.alloc(130_000)];
      for (const x of i % 2 ? xs : xs.reverse()) kernels.free(x);
    };
    cycle(0);
    const bytes = kernels.exports.memory.buffer.byteLength;
    for (let i = 1; i < 50; i++) cycle(i);
    expect(kernels.exports.memory.buffer.byteLength).toBe(bytes);
    expect(kernels.liveAllocations).toBe(2);
  });

  it('hands out the same addresses again once everything is freed', () => {
    const first = [kernels.alloc(64), kernels.alloc(1000), kernels.put(new Float32Array([1, 2, 3]))];
    for (const at of [first[1], first[0], first[2]]) kernels.free(at);
    expect(kernels.liveAllocations).toBe(0);
    expect([kernels.alloc(64), kernels.alloc(1000), kernels.alloc(12)]).toEqual(first);
  });

  it('keeps live data intact and refuses unknown or double frees', () => {
    const x = kernels.put(Float32Array.from({ length: 8 }, (_, i) => i));
    const y = kernels.alloc(32);
    kernels.free(y);
    expect(() => kernels.free(y)).toThrow(/not an allocated address/);
    kernels.alloc(1 << 20);
    expect([...kernels.f32(x, 8)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => kernels.free(x + 4)).toThrow(/not an allocated address/);
  });
});
