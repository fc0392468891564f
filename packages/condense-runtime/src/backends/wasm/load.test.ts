import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import { enableRelaxedSimd, loadKernelsFromFile } from '../../node.js';
import { loadKernels } from './load.js';
import { relaxedSimdSupported } from './relaxed-simd.js';

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

  it('loadKernelsFromFile reads a path given as it is', async () => {
    enableRelaxedSimd();
    expect((await loadKernelsFromFile(inject('kernelsRelaxedWasmPath'))).build).toBe('relaxed-simd');
    expect((await loadKernelsFromFile(inject('kernelsWasmPath'), { relaxedSimd: true })).build).toBe('simd');
  });
});
