import { describe, expect, it } from 'vitest';
import { allFinite } from './finite.js';

describe('allFinite', () => {
  it('is false as soon as one value is NaN or infinite, true otherwise', () => {
    expect(allFinite(new Float32Array([0, -0, 1e-38, -3.4e38, 3.4e38]))).toBe(true);
    expect(allFinite(new Float32Array(0))).toBe(true);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const at of [0, 3, 6]) {
        const values = new Float32Array(7).fill(0.5);
        values[at] = bad;
        expect(allFinite(values)).toBe(false);
      }
    }
  });
});
