// Builds the demo into dist/ (or --out DIR): the page, its bundle, the samples, a model
// (default: the kept Fashion-MNIST model, or --model DIR holding model.cnn.json and the weight
// file it names), tfjs's wasm binaries and the runtime's kernels (kernels.wasm and
// kernels-relaxed.wasm, and for its worker threads their threads builds and kernel-worker.js).
import { copyFile, cp, mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const demoDir = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

export const DEFAULT_MODEL_DIR = resolve(demoDir, '../../packages/condense-train/results/long-fashion-mnist-model');
export const DEFAULT_OUT_DIR = join(demoDir, 'dist');
export const MODEL_MANIFEST = 'model.cnn.json';

/** tfjs-backend-wasm picks one of these at run time (SIMD, threads) and fetches it from setWasmPaths' prefix. */
const TFJS_WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/**
 * @param {{ outDir?: string, modelDir?: string, minify?: boolean }} [options]
 * @returns {Promise<string>} the output directory
 */
export async function buildDemo({ outDir = DEFAULT_OUT_DIR, modelDir = DEFAULT_MODEL_DIR, minify = true } = {}) {
  const manifestPath = join(modelDir, MODEL_MANIFEST);
  const manifest = await readFile(manifestPath, 'utf8').catch(() => {
    throw new Error(`no ${MODEL_MANIFEST} in ${modelDir}: pass --model DIR, a directory with a runtime artifact (model.cnn.json + model.cnn.bin, written by 'condense train' or 'condense convert')`);
  });
  /** @type {{ weightsFile?: unknown }} */
  const { weightsFile } = JSON.parse(manifest);
  if (typeof weightsFile !== 'string' || basename(weightsFile) !== weightsFile) throw new Error(`${manifestPath}: weightsFile must name a file beside it`);

  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, 'model'), { recursive: true });
  await build({
    entryPoints: [join(demoDir, 'src/main.ts')],
    outfile: join(outDir, 'main.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    sourcemap: true,
    logLevel: 'warning',
  });
  await cp(join(demoDir, 'public'), outDir, { recursive: true });
  await copyFile(manifestPath, join(outDir, 'model', MODEL_MANIFEST));
  await copyFile(join(modelDir, weightsFile), join(outDir, 'model', weightsFile)).catch(() => {
    throw new Error(`${manifestPath} names the weight file ${weightsFile}, which is not in ${modelDir}`);
  });
  const tfjsWasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const file of TFJS_WASM_FILES) await copyFile(join(tfjsWasmDir, file), join(outDir, file));
  // The runtime's package build writes the kernels (the SIMD and relaxed-SIMD builds, each also
  // on shared memory for the kernel workers); the page fetches them beside main.js, and the
  // workers run kernel-worker.js, bundled.
  try {
    for (const file of ['kernels.wasm', 'kernels-threads.wasm', 'kernels-relaxed.wasm', 'kernels-threads-relaxed.wasm']) {
      await copyFile(require.resolve(`@condensenet/runtime/${file}`), join(outDir, file));
    }
    await build({
      entryPoints: [require.resolve('@condensenet/runtime/kernel-worker.js')],
      outfile: join(outDir, 'kernel-worker.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify,
      logLevel: 'warning',
    });
  } catch {
    throw new Error('@condensenet/runtime/kernels.wasm is missing: build the runtime first (npx -y pnpm@10.34.9 --filter @condensenet/runtime build)');
  }
  return outDir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, model: { type: 'string' } } });
  try {
    const outDir = await buildDemo({
      ...(values.out ? { outDir: resolve(values.out) } : {}),
      ...(values.model ? { modelDir: resolve(values.model) } : {}),
    });
    console.log(`demo built in ${outDir}`);
  } catch (e) {
    console.error(`demo build: ${/** @type {Error} */ (e).message}`);
    process.exit(1);
  }
}
