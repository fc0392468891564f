import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import { KernelModule } from '../backends/wasm/kernel-module.js';

/**
 * A fresh kernel module: the JavaScript port, or the wasm that global-setup.ts compiled from
 * asm/kernels.ts for this run (so tests never run against a stale dist/backends/wasm/kernels.wasm).
 */
export async function testKernels(kind: 'wasm' | 'js' = 'wasm'): Promise<KernelModule> {
  return kind === 'js' ? KernelModule.javascript() : KernelModule.instantiate(await readFile(inject('kernelsWasmPath')));
}
