import { describe, expect, it } from 'vitest';
import { fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits } from './float16.js';

describe('float16 storage', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [2 ** -14, 0x0400],
    [2 ** -24, 0x0001],
    [0.333251953125, 0x3555],
    [Infinity, 0x7c00],
  ])('encodes %f as 0x%s and back exactly', (value, bits) => {
    expect(toFloat16Bits(value)).toBe(bits);
    expect(Object.is(fromFloat16Bits(bits), value)).toBe(true);
  });

  it('rounds halfway cases to even and overflows to infinity', () => {
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toFloat16Bits(2 ** -25)).toBe(0x0000);
    expect(toFloat16Bits(3 * 2 ** -26)).toBe(0x0001);
    expect(toFloat16Bits(65520)).toBe(0x7c00);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
  });

  it('keeps every value within half a unit in the last place', () => {
    for (let i = 0; i < 2000; i++) {
      const v = (Math.sin(i) * 1000) / (1 + (i % 97));
      const back = fromFloat16Bits(toFloat16Bits(v));
      expect(Math.abs(back - v)).toBeLessThanOrEqual(Math.max(Math.abs(v) * 2 ** -11, 2 ** -25));
    }
  });
});

describe('bfloat16', () => {
  it('widens exactly and rounds to nearest even', () => {
    expect(fromBfloat16Bits(0x3f80)).toBe(1);
    expect(fromBfloat16Bits(0xc000)).toBe(-2);
    expect(toBfloat16Bits(1)).toBe(0x3f80);
    // 1 + 2^-8 is halfway between two bfloat16 values: ties go to the even mantissa (1.0).
    expect(toBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80);
    expect(toBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(Number.isNaN(fromBfloat16Bits(toBfloat16Bits(NaN)))).toBe(true);
    expect(fromBfloat16Bits(toBfloat16Bits(Infinity))).toBe(Infinity);
  });
});
