import { describe, it } from 'vitest';
import type { Requirement } from './requirements.js';

/**
 * A describe block whose tests need `requirement`; its body gets what was found. Without it the
 * block is skipped with the reason in its name, except under CI (`CI` set), where it fails
 * instead of quietly checking nothing.
 */
export function describeNeeding(requirement: Requirement, name: string, body: (found: string) => void): void {
  if ('found' in requirement) {
    describe(`${name} (${requirement.found})`, () => body(requirement.found));
    return;
  }
  const reason = `${requirement.missing}; install: ${requirement.install}`;
  if (process.env.CI) {
    describe(name, () => {
      it('is run in CI, which needs what it tests on', () => {
        throw new Error(`${name}: ${reason}`);
      });
    });
  } else {
    // A developer's machine without the browser, adapter or torch: skipped, its name saying why.
    describe.skip(`${name} (skipped: ${reason})`, () => {
      it(reason, () => {});
    });
  }
}
