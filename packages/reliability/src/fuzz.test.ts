import { describe, expect, it } from 'vitest';
import { emptyTally, runCases } from './harness.js';
import { TARGETS } from './targets.js';

/** A fixed slice of the full run (`pnpm fuzz`): the same cases every time, a few seconds per reader. */
const CASES = 150;
const SEED = 2018;

describe('every reader ends hostile input in a result or one of our errors, quickly and in bounded memory', () => {
  for (const [name, make] of Object.entries(TARGETS)) {
    it(name, async () => {
      const target = make();
      try {
        const tally = await runCases(target, SEED, 0, CASES, emptyTally(name));
        expect(tally.findings).toEqual([]);
        expect(tally.tried).toBe(CASES);
      } finally {
        target.dispose?.();
      }
    });
  }
});
