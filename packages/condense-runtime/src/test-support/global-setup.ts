import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { compileKernels } from '../../scripts/compile-kernels.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    kernelsWasmPath: string;
    kernelsThreadsWasmPath: string;
    kernelWorkerPath: string;
  }
}

/**
 * Compiles asm/kernels.ts once per test run (2-4 s) instead of once per test file, both builds,
 * and bundles the kernel worker to JavaScript (worker threads cannot load TypeScript).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'condense-runtime-kernels-'));
  const path = join(dir, 'kernels.wasm');
  await writeFile(path, await compileKernels());
  project.provide('kernelsWasmPath', path);
  const threadsPath = join(dir, 'kernels-threads.wasm');
  await writeFile(threadsPath, await compileKernels({ threads: true }));
  project.provide('kernelsThreadsWasmPath', threadsPath);
  const workerPath = join(dir, 'kernel-worker.mjs');
  await build({ entryPoints: [fileURLToPath(new URL('../backends/wasm/kernel-worker.ts', import.meta.url))], bundle: true, format: 'esm', outfile: workerPath, logLevel: 'error' });
  project.provide('kernelWorkerPath', workerPath);
  return () => rm(dir, { recursive: true, force: true });
}
