import { compileKernels } from '../../scripts/compile-kernels.mjs';
import { WasmKernels } from '../kernels/wasm-kernels.js';

/** Tests compile asm/kernels.ts themselves, so they never run against a stale dist/kernels.wasm. */
export async function testKernels(): Promise<WasmKernels> {
  return WasmKernels.instantiate(await compileKernels());
}
