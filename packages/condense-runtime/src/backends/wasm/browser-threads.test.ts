import { afterEach, describe, expect, it, vi } from 'vitest';
import { browserThreadHost } from './browser-threads.js';

describe('browserThreadHost', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('says why a page gets one thread: no Web Workers, or no cross-origin isolation', () => {
    expect(browserThreadHost().unavailableReason()).toBe('Web Workers are not available here');
    vi.stubGlobal('Worker', class {});
    vi.stubGlobal('crossOriginIsolated', false);
    expect(browserThreadHost().unavailableReason()).toMatch(/cross-origin isolated page \(Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp\)/);
    vi.stubGlobal('crossOriginIsolated', true);
    expect(browserThreadHost().unavailableReason()).toBeUndefined();
  });

  it('defaults to navigator.hardwareConcurrency threads, one without it', () => {
    vi.stubGlobal('navigator', { hardwareConcurrency: 6 });
    expect(browserThreadHost().cores).toBe(6);
    vi.stubGlobal('navigator', undefined);
    expect(browserThreadHost().cores).toBe(1);
  });
});
