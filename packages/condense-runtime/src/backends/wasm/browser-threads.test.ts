import { afterEach, describe, expect, it, vi } from 'vitest';
import { browserThreadHost } from './browser-threads.js';
import { enableRelaxedSimd } from './node-relaxed-simd.js';

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

  it('compiles the relaxed-SIMD threads build where the engine has relaxed SIMD and it is asked for, else the SIMD one', async () => {
    enableRelaxedSimd();
    const fetched: string[] = [];
    vi.stubGlobal('fetch', async (url: URL) => {
      fetched.push(url.pathname.split('/').pop() ?? '');
      return { ok: false, status: 404 };
    });
    const host = browserThreadHost();
    await expect(host.compileKernels({ relaxedSimd: true })).rejects.toThrow(/kernels-threads-relaxed\.wasm: HTTP 404/);
    await expect(host.compileKernels({ relaxedSimd: false })).rejects.toThrow(/kernels-threads\.wasm: HTTP 404/);
    expect(fetched).toEqual(['kernels-threads-relaxed.wasm', 'kernels-threads.wasm']);
  });

  it('defaults to navigator.hardwareConcurrency threads, one without it', () => {
    vi.stubGlobal('navigator', { hardwareConcurrency: 6 });
    expect(browserThreadHost().cores).toBe(6);
    vi.stubGlobal('navigator', undefined);
    expect(browserThreadHost().cores).toBe(1);
  });
});
