import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { inject } from 'vitest';
import { KernelModule } from '../backends/wasm/kernel-module.js';
import { nodeThreadHost } from '../backends/wasm/node-threads.js';
import type { ThreadHost } from '../backends/wasm/thread-host.js';

/**
 * A fresh kernel module: the JavaScript port, or the wasm that global-setup.ts compiled from
 * asm/kernels.ts for this run (so tests never run against a stale dist/backends/wasm/kernels.wasm).
 */
export async function testKernels(kind: 'wasm' | 'js' = 'wasm'): Promise<KernelModule> {
  return kind === 'js' ? KernelModule.javascript() : KernelModule.instantiate(await readFile(inject('kernelsWasmPath')));
}

/** Node worker threads on this run's threads build and bundled worker; `cores` as given. */
export function testThreadHost(cores = 2): ThreadHost {
  const host = nodeThreadHost({ worker: pathToFileURL(inject('kernelWorkerPath')), wasm: pathToFileURL(inject('kernelsThreadsWasmPath')) });
  return { ...host, cores };
}
