import { goldenCase } from '@condensenet/golden-fixtures';
import { describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import { leastCommonMultiple, maskPattern } from './masks.js';

describe.each([
  ['lgc_drop', 4],
  ['lgc_g2c4', 2],
] as const)('maskPattern on the reference masks of %s', (name, groups) => {
  const golden = goldenCase(name);
  const steps: { count: number }[] = golden.config.steps;

  it.each(steps.map((step, s) => ({ s, count: step.count })))('step $s: dropped = _count, groups seen once pruned', ({ s, count }) => {
    const pattern = maskPattern(golden.floats(`step${s}._mask`), 16, 'm', 'test');
    expect(pattern.dropped).toBe(count);
    expect(pattern.period).toBe(count === 0 ? 1 : groups);
  });
});

describe('maskPattern', () => {
  const rows = (...patterns: number[][]) => Float32Array.from(patterns.flat());

  it('finds the smallest divisor of the height the rows repeat with', () => {
    const [a, b, c] = [[1, 0, 1], [0, 1, 1], [1, 1, 0]];
    expect(maskPattern(rows(a, b, a, b), 4, 'm', 't').period).toBe(2);
    expect(maskPattern(rows(a, b, a, c), 4, 'm', 't').period).toBe(4);
    expect(maskPattern(rows(a, b, c, a, b, c), 6, 'm', 't').period).toBe(3);
    // a repeat every 2 holds for rows 0-3 but not row 5, and 4 does not divide 6
    expect(maskPattern(rows(a, b, a, b, a, a), 6, 'm', 't').period).toBe(6);
  });

  it('refuses values other than 0 and 1, naming the element', () => {
    expect(() => maskPattern(rows([1, 0.5], [1, 1]), 2, 'x._mask', 'f.pth')).toThrow(
      new InteropError('f.pth', 'x._mask[0, 1] = 0.5, expected 0 or 1'),
    );
  });

  it('refuses groups that dropped different numbers of inputs', () => {
    expect(() => maskPattern(rows([1, 0, 1], [1, 0, 0]), 2, 'x._mask', 'f.pth')).toThrow(/output 1 has dropped 2 inputs but output 0 has dropped 1/);
  });

  it('refuses a value count that is not whole rows', () => {
    expect(() => maskPattern(new Float32Array(5), 2, 'x._mask', 'f.pth')).toThrow(/5 values, not a multiple of its 2 outputs/);
  });
});

describe('leastCommonMultiple', () => {
  it('combines periods', () => {
    expect(leastCommonMultiple([1, 2, 4, 1])).toBe(4);
    expect(leastCommonMultiple([2, 3])).toBe(6);
    expect(leastCommonMultiple([])).toBe(1);
  });
});
