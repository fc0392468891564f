import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const source = fileURLToPath(new URL('../asm/kernels.ts', import.meta.url));

/**
 * Pages of 64 KiB the threads build may grow to: 2 GiB, so every byte address stays a positive
 * int32 (the worker programs are Int32Arrays), and shared memory must declare a maximum.
 */
export const THREADS_MAX_PAGES = 32768;

/** The four builds the package ships, by file name: compileKernels' options for each. */
export const KERNEL_BUILDS = [
  { file: 'kernels.wasm', threads: false, relaxedSimd: false },
  { file: 'kernels-threads.wasm', threads: true, relaxedSimd: false },
  { file: 'kernels-relaxed.wasm', threads: false, relaxedSimd: true },
  { file: 'kernels-threads-relaxed.wasm', threads: true, relaxedSimd: true },
];

/**
 * Compiles asm/kernels.ts with AssemblyScript (npm only, no C toolchain) and returns the wasm
 * bytes. `--runtime stub` and no exported allocator: JavaScript manages the linear memory.
 * `threads`: the build for worker threads, importing one shared memory that every worker's
 * instance runs on (the module has no data segments and no mutable globals, so a second
 * instantiation on the same memory overwrites nothing). `relaxedSimd`: the build with fused
 * multiply-adds (f32x4.relaxed_madd; asm/kernels.ts's madd).
 */
export async function compileKernels({ threads = false, relaxedSimd = false } = {}) {
  let binary = null;
  const features = ['simd', ...(threads ? ['threads'] : []), ...(relaxedSimd ? ['relaxed-simd'] : [])].join(',');
  const memory = threads ? ['--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', String(THREADS_MAX_PAGES)] : [];
  const flags = ['--enable', features, ...memory];
  const { error, stderr } = await asc.main(
    [source, ...flags, '-O3', '--runtime', 'stub', '--noAssert', '--outFile', 'kernels.wasm'],
    {
      writeFile(name, contents) {
        if (name.endsWith('.wasm')) binary = contents;
      },
    },
  );
  if (error) throw new Error(`asc failed: ${error.message}\n${stderr.toString()}`);
  if (!binary) throw new Error('asc produced no wasm binary');
  return binary;
}
