import { describe, expect, it } from 'vitest';
import { SplitChooser } from './split-chooser.js';

describe('SplitChooser', () => {
  it('tries rows, then images, then runs the faster and re-measures the other every probeEvery runs', () => {
    const chooser = new SplitChooser(4);
    for (const [split, ms] of [['rows', 10], ['images', 12]] as const) {
      expect(chooser.next()).toBe(split);
      chooser.record(split, 500);
      expect(chooser.next()).toBe(split);
      chooser.record(split, ms);
    }
    expect([1, 2, 3, 4, 5].map(() => chooser.next())).toEqual(['rows', 'rows', 'rows', 'images', 'rows']);
  });

  it('re-measures a split more than 1.25x slower 4x less often', () => {
    const chooser = new SplitChooser(4);
    for (const [split, ms] of [['rows', 10], ['images', 17]] as const) {
      chooser.record(split, 0);
      chooser.record(split, ms);
    }
    const picks = Array.from({ length: 32 }, () => chooser.next());
    expect(picks.flatMap((s, i) => (s === 'images' ? [i + 1] : []))).toEqual([16, 32]);
  });

  it('follows a change of load through its running average', () => {
    const chooser = new SplitChooser(4);
    for (const [split, ms] of [['rows', 10], ['images', 12]] as const) {
      chooser.record(split, 0);
      chooser.record(split, ms);
    }
    expect(chooser.next()).toBe('rows');
    // The machine got busy: barriers stall, rows take 3x as long.
    for (let i = 0; i < 3; i++) chooser.record('rows', 30);
    expect(chooser.next()).toBe('images');
  });

  it('does not count the first, cold run of either split', () => {
    const chooser = new SplitChooser(16);
    // Cold: rows paid for first touches and look slower than images.
    chooser.record(chooser.next(), 300);
    chooser.record(chooser.next(), 40);
    chooser.record(chooser.next(), 60);
    chooser.record(chooser.next(), 60);
    expect(chooser.next()).toBe('rows');
  });
});
