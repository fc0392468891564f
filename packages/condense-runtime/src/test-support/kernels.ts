import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { inject } from 'vitest';
import { KernelModule } from '../backends/wasm/kernel-module.js';
import { enableRelaxedSimd } from '../backends/wasm/node-relaxed-simd.js';
import { nodeThreadHost } from '../backends/wasm/node-threads.js';
import type { ThreadHost } from '../backends/wasm/thread-host.js';

/** The kernel builds tests run on: the SIMD build, the relaxed-SIMD build, the JavaScript port. */
export type TestKernelKind = 'wasm' | 'relaxed' | 'js';

/**
 * A fresh kernel module: the JavaScript port, or a wasm build that global-setup.ts compiled from
 * asm/kernels.ts for this run (so tests never run against a stale dist/backends/wasm/kernels.wasm).
 */
export async function testKernels(kind: TestKernelKind = 'wasm'): Promise<KernelModule> {
  if (kind === 'js') return KernelModule.javascript();
  if (kind === 'relaxed' && !enableRelaxedSimd()) throw new Error('this Node cannot compile relaxed SIMD, even with --experimental-wasm-relaxed-simd');
  return KernelModule.instantiate(await readFile(inject(kind === 'relaxed' ? 'kernelsRelaxedWasmPath' : 'kernelsWasmPath')));
}

/** Node worker threads on this run's threads builds and bundled worker; `cores` as given. */
export function testThreadHost(cores = 2): ThreadHost {
  const host = nodeThreadHost({
    worker: pathToFileURL(inject('kernelWorkerPath')),
    wasm: pathToFileURL(inject('kernelsThreadsWasmPath')),
    relaxedWasm: pathToFileURL(inject('kernelsThreadsRelaxedWasmPath')),
  });
  return { ...host, cores };
}
