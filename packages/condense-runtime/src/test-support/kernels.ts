import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import { WasmKernels } from '../kernels/wasm-kernels.js';

/**
 * A fresh kernel module from the wasm that global-setup.ts compiled from asm/kernels.ts for this
 * run, so tests never run against a stale dist/kernels/kernels.wasm.
 */
export async function testKernels(): Promise<WasmKernels> {
  return WasmKernels.instantiate(await readFile(inject('kernelsWasmPath')));
}
