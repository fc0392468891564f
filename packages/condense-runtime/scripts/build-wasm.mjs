import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileKernels } from './compile-kernels.mjs';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node scripts/build-wasm.mjs <out dir>');
await mkdir(dir, { recursive: true });
const builds = [
  ['kernels.wasm', { threads: false, relaxedSimd: false }],
  ['kernels-threads.wasm', { threads: true, relaxedSimd: false }],
  ['kernels-relaxed.wasm', { threads: false, relaxedSimd: true }],
  ['kernels-threads-relaxed.wasm', { threads: true, relaxedSimd: true }],
];
for (const [file, options] of builds) {
  const bytes = await compileKernels(options);
  await writeFile(join(dir, file), bytes);
  console.log(`wrote ${join(dir, file)} (${bytes.length} bytes)`);
}
