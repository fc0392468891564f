import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { compileKernels } from './compile-kernels.mjs';

const target = process.argv[2];
if (!target) throw new Error('usage: node scripts/build-wasm.mjs <out.wasm>');
const bytes = await compileKernels();
await mkdir(dirname(target), { recursive: true });
await writeFile(target, bytes);
console.log(`wrote ${target} (${bytes.length} bytes)`);
