import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { compileKernels, KERNEL_BUILDS } from '../../scripts/compile-kernels.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    kernelsWasmPath: string;
    kernelsThreadsWasmPath: string;
    kernelsRelaxedWasmPath: string;
    kernelsThreadsRelaxedWasmPath: string;
    kernelWorkerPath: string;
  }
}

/** Where each build's path is provided to the tests. */
const PROVIDED: Record<string, 'kernelsWasmPath' | 'kernelsThreadsWasmPath' | 'kernelsRelaxedWasmPath' | 'kernelsThreadsRelaxedWasmPath'> = {
  'kernels.wasm': 'kernelsWasmPath',
  'kernels-threads.wasm': 'kernelsThreadsWasmPath',
  'kernels-relaxed.wasm': 'kernelsRelaxedWasmPath',
  'kernels-threads-relaxed.wasm': 'kernelsThreadsRelaxedWasmPath',
};

/**
 * Compiles asm/kernels.ts once per test run (2-4 s) instead of once per test file, all four builds,
 * and bundles the kernel worker to JavaScript (worker threads cannot load TypeScript).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'condense-runtime-kernels-'));
  for (const { file, ...options } of KERNEL_BUILDS) {
    const path = join(dir, file);
    await writeFile(path, await compileKernels(options));
    project.provide(PROVIDED[file], path);
  }
  const workerPath = join(dir, 'kernel-worker.mjs');
  await build({ entryPoints: [fileURLToPath(new URL('../backends/wasm/kernel-worker.ts', import.meta.url))], bundle: true, format: 'esm', outfile: workerPath, logLevel: 'error' });
  project.provide('kernelWorkerPath', workerPath);
  return () => rm(dir, { recursive: true, force: true });
}
