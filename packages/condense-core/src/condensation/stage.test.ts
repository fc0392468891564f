import { goldenCase } from '@condensenet/golden-fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { targetStage } from './stage.js';

describe('targetStage', () => {
  it('matches the stages a fresh reference layer reaches (golden cosine_lr, C = 4 and 8)', () => {
    const c = goldenCase('cosine_lr');
    const progress: number[][] = c.config.progress_float64;
    const expected = { 4: c.ints('stage_C4'), 8: c.ints('stage_C8') };
    for (const C of [4, 8] as const) {
      const got = progress.flat().map((p) => targetStage(p, C));
      expect(got).toEqual(Array.from(expected[C]));
    }
  });

  it('puts the boundaries where the reference does for C = 4', () => {
    expect([0, 1 / 6 - 1e-9, 1 / 6, 1 / 3 - 1e-9, 1 / 3, 0.5 - 1e-9, 0.5, 1].map((p) => targetStage(p, 4))).toEqual([
      0, 0, 1, 1, 2, 2, 3, 3,
    ]);
  });

  it('is 0 for condenseFactor 1 and C - 1 past the middle of training', () => {
    expect(targetStage(0.9, 1)).toBe(0);
    expect(targetStage(0.5, 8)).toBe(7);
    expect(targetStage(3, 8)).toBe(7);
  });

  it('is monotone in progress and hits every stage 0..C-1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 400 }), (C, steps) => {
        const stages = Array.from({ length: steps + 1 }, (_, t) => targetStage(t / steps, C));
        for (let t = 1; t < stages.length; t++) expect(stages[t]).toBeGreaterThanOrEqual(stages[t - 1]);
        if (steps >= 2 * (C - 1)) expect(new Set(stages).size).toBe(C);
        expect(stages[0]).toBe(0);
        expect(stages[steps]).toBe(C - 1);
      }),
    );
  });

  it('names bad arguments', () => {
    expect(() => targetStage(Number.NaN, 4)).toThrow(/targetStage: progress = NaN must be a finite number/);
    expect(() => targetStage(0.1, 0)).toThrow(/targetStage: condenseFactor = 0 must be a positive integer/);
  });
});
