// The Chromium that the page tests (src/page.test.ts) drive, and vitest's global setup for them:
// without a Chromium those tests skip on a developer's machine, but under CI (`CI` set) the run
// fails instead of quietly checking nothing.
import { existsSync } from 'node:fs';

/** Tried in order; CHROMIUM_PATH first, so a Chromium elsewhere can be used. */
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(
  /** @returns {path is string} */ (path) => !!path,
);

/** @returns {{ found: string } | { missing: string, install: string }} the first Chromium executable among the candidates */
export function findChromium() {
  const path = CANDIDATES.find((candidate) => existsSync(candidate));
  if (path) return { found: path };
  return {
    missing: `no Chromium executable (looked at ${CANDIDATES.join(', ')})`,
    install: '`apt-get install chromium`, or set CHROMIUM_PATH to one',
  };
}

export default function requireChromiumInCI() {
  const chromium = findChromium();
  if (process.env.CI && 'missing' in chromium) {
    throw new Error(`the demo page tests are run in CI, which needs a Chromium: ${chromium.missing}; install: ${chromium.install}`);
  }
}
