import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import { loadKernelsFromFile } from '../../node.js';
import { loadKernels } from './load.js';

describe('loading kernels.wasm', () => {
  const path = inject('kernelsWasmPath');

  it('reads it from a file (Node) and fetches it from a URL (browsers)', async () => {
    const fromFile = await loadKernelsFromFile(path);
    expect(fromFile.exports.heapBase()).toBeGreaterThan(0);
    const bytes = await readFile(path);
    const fromUrl = await loadKernels(`data:application/wasm;base64,${bytes.toString('base64')}`);
    expect(typeof fromUrl.exports.condensedConv1x1).toBe('function');
  });

  it('refuses bytes that are not a wasm module', async () => {
    await expect(loadKernels('data:application/wasm;base64,AAAA')).rejects.toThrow(/not a valid WebAssembly module/);
  });
});
