import { describe, expect, it } from 'vitest';
import { SplitChooser } from './split-chooser.js';

describe('SplitChooser', () => {
  it('tries rows, then images, then runs the faster and re-measures the other every probeEvery runs', () => {
    const chooser = new SplitChooser(4);
    expect(chooser.next()).toBe('rows');
    chooser.record('rows', 10);
    expect(chooser.next()).toBe('images');
    chooser.record('images', 20);
    expect([1, 2, 3, 4, 5].map(() => chooser.next())).toEqual(['rows', 'rows', 'rows', 'images', 'rows']);
  });

  it('follows a change of load through its running average', () => {
    const chooser = new SplitChooser(4);
    chooser.record('rows', 10);
    chooser.record('images', 12);
    expect(chooser.next()).toBe('rows');
    // The machine got busy: barriers stall, rows take 3x as long.
    for (let i = 0; i < 3; i++) chooser.record('rows', 30);
    expect(chooser.next()).toBe('images');
  });
});
