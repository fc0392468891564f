import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const source = fileURLToPath(new URL('../asm/kernels.ts', import.meta.url));

/**
 * Compiles asm/kernels.ts with AssemblyScript (npm only, no C toolchain) and returns the wasm
 * bytes. `--runtime stub` and no exported allocator: JavaScript manages the linear memory.
 */
export async function compileKernels() {
  let binary = null;
  const { error, stderr } = await asc.main(
    [source, '--enable', 'simd', '-O3', '--runtime', 'stub', '--noAssert', '--outFile', 'kernels.wasm'],
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
