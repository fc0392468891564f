import { describe, expect, it } from 'vitest';
import { resizeShorterSideCenterCrop } from './resize.js';

describe('resizeShorterSideCenterCrop', () => {
  it('is the identity at the same size', () => {
    const src = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => (i * 37) % 256);
    expect(resizeShorterSideCenterCrop(src, 4, 4, 3, 4)).toEqual(src);
  });

  it('centre-crops the longer side without scaling when the shorter side already fits', () => {
    // 2 x 6 grayscale, columns 0..5 valued 10*column: the kept columns are 2 and 3.
    const src = Uint8Array.from({ length: 12 }, (_, i) => 10 * (i % 6));
    expect(Array.from(resizeShorterSideCenterCrop(src, 2, 6, 1, 2))).toEqual([20, 30, 20, 30]);
  });

  it('keeps a flat colour flat and averages when shrinking', () => {
    const flat = new Uint8Array(30 * 50 * 3).fill(99);
    const out = resizeShorterSideCenterCrop(flat, 30, 50, 3, 7);
    expect(out.length).toBe(7 * 7 * 3);
    expect(out.every((v) => v === 99)).toBe(true);
    // A fine checkerboard of 0 and 200 shrinks to its mean, not to aliased stripes.
    const checker = Uint8Array.from({ length: 40 * 40 }, (_, i) => ((i % 40) + Math.floor(i / 40)) % 2 ? 200 : 0);
    for (const v of resizeShorterSideCenterCrop(checker, 40, 40, 1, 4)) expect(Math.abs(v - 100)).toBeLessThanOrEqual(3);
  });

  it('upscales smoothly between neighbours', () => {
    const out = resizeShorterSideCenterCrop(Uint8Array.from([0, 100]), 1, 2, 1, 2);
    expect(out.length).toBe(4);
    expect(out[0]).toBeLessThan(out[1]);
  });
});
