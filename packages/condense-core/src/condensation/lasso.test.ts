import { describe, expect, it } from 'vitest';
import { groupLassoGroupNorms, groupLassoValue } from './lasso.js';
import { initialCondensationState } from './state.js';

describe('group lasso', () => {
  const shape = { outChannels: 4, inChannels: 4, groups: 2, condenseFactor: 4 };
  // Rows o = 0..3; group 0 = rows 0 and 2, group 1 = rows 1 and 3.
  const weight = Float32Array.from([3, 0, 1, 0, 1, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0]);
  const mask = initialCondensationState(shape).mask;

  it('takes the norm over the interleaved rows of each group, floored at sqrt(1e-6)', () => {
    const norms = Array.from(groupLassoGroupNorms(weight, mask, shape));
    expect(norms).toEqual([5, 1e-3, 1, 1e-3, Math.SQRT2, 1e-3, 1e-3, 1e-3]);
    expect(groupLassoValue(weight, mask, shape, 0)).toBeCloseTo(6 + Math.SQRT2 + 5e-3, 12);
  });

  it('switches off at stage groups - 1, not condenseFactor - 1', () => {
    expect(groupLassoValue(weight, mask, shape, 1)).toBe(0);
    expect(groupLassoValue(weight, mask, { ...shape, groups: 1, outChannels: 4 }, 0)).toBe(0);
  });

  it('counts a masked-out weight as zero', () => {
    const masked = Float32Array.from(mask);
    masked[0] = 0;
    masked[8] = 0;
    expect(groupLassoGroupNorms(weight, masked, shape)[0]).toBeCloseTo(1e-3, 12);
  });

  it('names bad arguments', () => {
    expect(() => groupLassoValue(weight, mask, shape, -1)).toThrow(/groupLassoValue: stage = -1 must be a non-negative integer/);
    expect(() => groupLassoValue(weight.subarray(2), mask, shape, 0)).toThrow(/groupLassoValue: weight has length 14, expected 16/);
  });
});
