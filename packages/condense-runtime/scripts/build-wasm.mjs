import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileKernels, KERNEL_BUILDS } from './compile-kernels.mjs';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/build-wasm.mjs <out dir>');
await mkdir(dir, { recursive: true });
for (const { file, ...options } of KERNEL_BUILDS) {
  const bytes = await compileKernels(options);
  await writeFile(join(dir, file), bytes);
  console.log(`wrote ${join(dir, file)} (${bytes.length} bytes)`);
}
