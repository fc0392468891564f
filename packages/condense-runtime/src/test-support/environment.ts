/**
 * Suites that need something from the machine rather than from npm: a Chromium for WebGL, a
 * WebGPU adapter. Node-only test support.
 */
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';

/** What provides a suite's need, or what is missing and how to install it. */
export type Requirement = { found: string } | { missing: string; install: string };

/** Tried in order; CHROMIUM_PATH first, so a Chromium elsewhere can be used. */
const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(
  (path): path is string => !!path,
);

/** The first Chromium executable among the candidates. */
export function findChromium(): Requirement {
  const path = CHROMIUM_CANDIDATES.find((candidate) => existsSync(candidate));
  if (path) return { found: path };
  return {
    missing: `no Chromium executable (looked at ${CHROMIUM_CANDIDATES.join(', ')})`,
    install: '`apt-get install chromium`, or set CHROMIUM_PATH to one',
  };
}

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
    describe.skip(`${name} (skipped: ${reason})`, () => {
      it(reason, () => {});
    });
  }
}
