import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { compileKernels } from '../../scripts/compile-kernels.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    kernelsWasmPath: string;
  }
}

/** Compiles asm/kernels.ts once per test run (2-4 s) instead of once per test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'condense-runtime-kernels-'));
  const path = join(dir, 'kernels.wasm');
  await writeFile(path, await compileKernels());
  project.provide('kernelsWasmPath', path);
  return () => rm(dir, { recursive: true, force: true });
}
