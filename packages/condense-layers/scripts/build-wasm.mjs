// Compiles asm/train-kernels.ts into src/kernels/train-kernels-wasm.ts (the wasm bytes as
// base64): the kernels register synchronously inside tfjs ops, where no fetch can be awaited.
import { writeFile } from 'node:fs/promises';
import { compileKernels, kernelsModuleSource } from './compile-kernels.mjs';

const target = new URL('../src/kernels/train-kernels-wasm.ts', import.meta.url);
const bytes = await compileKernels();
await writeFile(target, kernelsModuleSource(bytes));
console.log(`wrote ${target.pathname} (${bytes.length} wasm bytes)`);
