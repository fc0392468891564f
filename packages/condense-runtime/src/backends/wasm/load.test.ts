import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { enableRelaxedSimd, loadKernelsFromFile } from '../../node.js';
import { loadKernels } from './load.js';
import { relaxedSimdSupported } from './relaxed-simd.js';
import { browserThreadHost } from './browser-threads.js';
import { createSession } from '../../session/session.js';
import { goldenTiny } from '../../test-support/golden-model.js';
import { testThreadHost } from '../../test-support/kernels.js';
import '@tensorflow/tfjs-backend-wasm';

const dataUrl = async (path: string) => `data:application/wasm;base64,${(await readFile(path)).toString('base64')}`;

describe('loading kernels.wasm', () => {
  const path = inject('kernelsWasmPath');

  it('reads it from a file (Node) and fetches it from a URL (browsers)', async () => {
    const fromFile = await loadKernelsFromFile(path);
    expect(fromFile.exports.heapBase()).toBeGreaterThan(0);
    const fromUrl = await loadKernels(await dataUrl(path));
    expect(typeof fromUrl.exports.condensedConv1x1).toBe('function');
    expect([fromFile.build, fromUrl.build]).toEqual(['simd', 'simd']);
  });

  it('refuses bytes that are not a wasm module', async () => {
    await expect(loadKernels('data:application/wasm;base64,AAAA')).rejects.toThrow(/not a valid WebAssembly module/);
  });
});

describe('the relaxed-SIMD build', () => {
  it('Node compiles relaxed SIMD once enableRelaxedSimd has run (Node 20 needs its flag turned on)', () => {
    expect(enableRelaxedSimd()).toBe(true);
    expect(relaxedSimdSupported()).toBe(true);
  });

  it('loadKernels fetches it where the engine has it, the SIMD build when relaxedSimd is false, and a url given alone as it is', async () => {
    enableRelaxedSimd();
    const urls = { simd: await dataUrl(inject('kernelsWasmPath')), relaxed: await dataUrl(inject('kernelsRelaxedWasmPath')) };
    expect((await loadKernels(urls.simd, { relaxedUrl: urls.relaxed })).build).toBe('relaxed-simd');
    expect((await loadKernels(urls.simd, { relaxedUrl: urls.relaxed, relaxedSimd: false })).build).toBe('simd');
    expect((await loadKernels(urls.simd)).build).toBe('simd');
    expect((await loadKernels(urls.relaxed)).build).toBe('relaxed-simd');
  });

  describe('on an engine without relaxed SIMD', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('loadKernels and the threads hosts fall back to the SIMD builds, and so does a session', async () => {
      const validate = WebAssembly.validate.bind(WebAssembly);
      // The engine refuses relaxed SIMD: the 37-byte probe and anything holding relaxed_madd.
      const relaxedBytes = await readFile(inject('kernelsRelaxedWasmPath'));
      vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes) => {
        const b = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array((bytes as ArrayBufferView).buffer);
        return b.byteLength !== 37 && b.byteLength !== relaxedBytes.byteLength && validate(bytes);
      });
      expect(relaxedSimdSupported()).toBe(false);
      const urls = { simd: await dataUrl(inject('kernelsWasmPath')), relaxed: await dataUrl(inject('kernelsRelaxedWasmPath')) };
      expect((await loadKernels(urls.simd, { relaxedUrl: urls.relaxed })).build).toBe('simd');
      const fetched: string[] = [];
      vi.stubGlobal('fetch', async (url: URL) => {
        fetched.push(url.pathname.split('/').pop() ?? '');
        return { ok: false, status: 404 };
      });
      await expect(browserThreadHost().compileKernels({ relaxedSimd: true })).rejects.toThrow(/kernels-threads\.wasm: HTTP 404/);
      expect(fetched).toEqual(['kernels-threads.wasm']);
      vi.unstubAllGlobals();
      const { model } = goldenTiny();
      const session = await createSession(model, { backend: 'wasm', threads: 2, threadHost: testThreadHost() });
      try {
        expect([session.threads, session.kernelBuild]).toEqual([2, 'simd']);
      } finally {
        session.dispose();
      }
    });
  });

  it('loadKernelsFromFile reads a path given as it is', async () => {
    enableRelaxedSimd();
    expect((await loadKernelsFromFile(inject('kernelsRelaxedWasmPath'))).build).toBe('relaxed-simd');
    expect((await loadKernelsFromFile(inject('kernelsWasmPath'), { relaxedSimd: true })).build).toBe('simd');
  });
});
