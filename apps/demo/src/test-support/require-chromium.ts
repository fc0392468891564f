import { findChromium, requireInCI } from '@condensenet/golden-fixtures/requirements';

/**
 * vitest's global setup: without a Chromium the page tests skip on a developer's machine, but
 * under CI (`CI` set) the run fails instead of quietly checking nothing.
 */
export default function requireChromiumInCI(): void {
  requireInCI(findChromium(), 'the demo page tests are');
}
