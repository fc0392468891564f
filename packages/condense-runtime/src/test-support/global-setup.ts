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
    kernelsRelaxedWasmPath: string;
    kernelsThreadsRelaxedWasmPath: string;
    kernelWorkerPath: string;
  }
}

/**
 * Compiles asm/kernels.ts once per test run (2-4 s) instead of once per test file, all four builds,
 * and bundles the kernel worker to JavaScript (worker threads cannot load TypeScript).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'condense-runtime-kernels-'));
  const builds = [
    ['kernelsWasmPath', 'kernels.wasm', { threads: false, relaxedSimd: false }],
    ['kernelsThreadsWasmPath', 'kernels-threads.wasm', { threads: true, relaxedSimd: false }],
    ['kernelsRelaxedWasmPath', 'kernels-relaxed.wasm', { threads: false, relaxedSimd: true }],
    ['kernelsThreadsRelaxedWasmPath', 'kernels-threads-relaxed.wasm', { threads: true, relaxedSimd: true }],
  ] as const;
  for (const [key, file, options] of builds) {
    const path = join(dir, file);
    await writeFile(path, await compileKernels(options));
    project.provide(key, path);
  }
  const workerPath = join(dir, 'kernel-worker.mjs');
  await build({ entryPoints: [fileURLToPath(new URL('../backends/wasm/kernel-worker.ts', import.meta.url))], bundle: true, format: 'esm', outfile: workerPath, logLevel: 'error' });
  project.provide('kernelWorkerPath', workerPath);
  return () => rm(dir, { recursive: true, force: true });
}
