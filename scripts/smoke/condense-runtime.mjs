// The kept Fashion-MNIST model through the installed @condensenet/runtime on wasm (its kernels on
// worker threads, one per core, from the tarball's kernel-worker.js and kernels-threads-relaxed.wasm)
// and on cpu: both backends must give the same 10 finite logits for one fixed image.
import { availableParallelism } from 'node:os';
import { loadModel } from '@condensenet/runtime/node';

const MODEL_DIR = './long-fashion-mnist-model';

function syntheticImage(size) {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    data.fill((p * 37) % 256, 4 * p, 4 * p + 3);
    data[4 * p + 3] = 255;
  }
  return { data, width: size, height: size };
}

async function logitsOn(backend) {
  const model = await loadModel(MODEL_DIR, { backend });
  try {
    if (model.backend !== backend) throw new Error(`asked for ${backend}, got ${model.backend}`);
    const { logits } = await model.predict(syntheticImage(model.inputSize));
    return { backend: model.backend, path: model.path, threads: model.threads, threadsReason: model.threadsReason, kernelBuild: model.kernelBuild, logits };
  } finally {
    model.dispose();
  }
}

const wasm = await logitsOn('wasm');
const cpu = await logitsOn('cpu');
if (wasm.threads !== availableParallelism()) {
  throw new Error(`wasm ran on ${wasm.threads} threads (${wasm.threadsReason ?? 'no reason given'}), expected one per core: ${availableParallelism()}`);
}
if (wasm.kernelBuild !== 'relaxed-simd') throw new Error(`wasm ran the ${wasm.kernelBuild} kernels, expected relaxed-simd (Node turns it on)`);
for (const run of [wasm, cpu]) {
  if (run.logits.length !== 10 || !run.logits.every(Number.isFinite)) {
    throw new Error(`${run.backend}: logits [${run.logits}], expected 10 finite values`);
  }
}
const worst = Math.max(...wasm.logits.map((v, i) => Math.abs(v - cpu.logits[i])));
if (!(worst <= 1e-4)) throw new Error(`wasm and cpu logits differ by ${worst} (> 1e-4)`);
console.log(`wasm (${wasm.path}, ${wasm.kernelBuild}, ${wasm.threads} threads) and cpu (${cpu.path}) agree to ${worst.toExponential(1)} on 10 logits`);
