import { expect } from 'vitest';

/** |a - b| <= tol * max(1, |b|) everywhere, reporting the first offending position. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    if (!(Math.abs(actual[i] - e) <= tol * Math.max(1, Math.abs(e)))) {
      expect.fail(`at ${i}: ${actual[i]} vs expected ${e} (tol ${tol})`);
    }
  }
}
