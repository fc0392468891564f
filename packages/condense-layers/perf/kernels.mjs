// Milliseconds per call of the grouped-conv kernels (forward, input gradient, filter gradient),
// matMulAtB and the BatchNorm sums on the quick start's and CondenseNet-86's shapes, for one or
// more builds (perf/build.sh), calls interleaved across builds; prints the min and median of
// each. A shared machine's load only ever adds time, so compare mins.
// Usage: node perf/kernels.mjs [--reps 15] [--only conv|atb|bn] perf/.build/a perf/.build/b ...
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

const args = process.argv.slice(2);
const at = args.indexOf('--reps');
const reps = at >= 0 ? Number(args.splice(at, 2)[1]) : 15;
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args.splice(onlyAt, 2)[1] : null;
// [batch, size, cin, groups, cout]: 3x3, stride 1, pad 1.
const CONVS = {
  'qs 14x14': [64, 14, 64, 4, 16],
  'qs 7x7': [64, 7, 128, 4, 32],
  'qs 3x3': [64, 3, 256, 4, 64],
  'quick 28x28': [64, 28, 32, 4, 8],
  'cn86 32x32': [64, 32, 32, 4, 8],
  'cn86 16x16': [64, 16, 64, 4, 16],
  'cn86 8x8': [64, 8, 128, 4, 32],
};
// [rows, m, n] of a^T b (the 1x1 convs' filter gradients, quick start, batch 64).
const AT_B = { 'qs block 1': [12544, 48, 64], 'qs block 2': [3136, 96, 128], 'qs block 3': [576, 192, 256], 'cn86 block 1': [65536, 64, 32] };
// BatchNorm inputs [rows, channels]: the quick start's block 1 (its 3x3 conv's input, a 1x1
// conv's), block 2's 3x3 input, CondenseNet-86's widest block-1 layer.
const BN = { 'qs 14x14x64': [12544, 64], 'qs 14x14x48': [12544, 48], 'qs 7x7x128': [3136, 128], 'cn86 32x32x120': [65536, 120], 'cn86 16x16x336': [16384, 336], 'cn86 8x8x768': [4096, 768] };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await tf.setBackend('wasm');
await tf.ready();
const OWN = /^Condense/;
const own = () => tf.getKernelsForBackend('wasm').filter((k) => OWN.test(k.kernelName));
// Each build registers its kernels on first use unless registered already: capture each
// build's, and put them in place before its calls.
const builds = [];
for (const dir of args) {
  const m = await import(pathToFileURL(resolve(dir, 'dist/kernels/training-kernels.js')).href);
  for (const k of own()) tf.unregisterKernel(k.kernelName, 'wasm');
  // Any kernel's first call registers them all.
  tf.tidy(() => m.runTrainingKernel(m.CONCAT_CHANNELS, [tf.zeros([1, 4]), tf.zeros([1, 4])]));
  builds.push({ dir, m, kernels: own() });
}
const use = (b) => {
  for (const k of own()) tf.unregisterKernel(k.kernelName, 'wasm');
  for (const k of b.kernels) tf.registerKernel(k);
};

function time(name, kernel, call) {
  const times = builds.map(() => []);
  for (let r = 0; r <= reps; r++) {
    builds.forEach((b, i) => {
      use(b);
      const t0 = performance.now();
      const ys = [call(b.m)].flat();
      for (const y of ys) y.dataSync();
      if (r > 0) times[i].push(performance.now() - t0);
      tf.dispose(ys);
    });
  }
  const row = { shape: name, kernel };
  builds.forEach((b, i) => (row[b.dir] = `${Math.min(...times[i]).toFixed(2)} / ${median(times[i]).toFixed(2)}`));
  console.log(JSON.stringify(row));
}

for (const [name, [n, s, cin, groups, cout]] of Object.entries(only && only !== 'conv' ? {} : CONVS)) {
  const x = tf.randomNormal([n, s, s, cin]);
  const dy = tf.randomNormal([n, s, s, cout]);
  const fwdFilter = tf.randomNormal([cout, 3, 3, cin / groups]);
  const bwdFilter = tf.randomNormal([3, 3, cout, cin / groups]);
  const attrs = { groups, stride: 1, pad: 1 };
  const calls = {
    forward: (m) => m.runTrainingKernel(m.GROUP_CONV_FORWARD, { x, filter: fwdFilter }, attrs),
    inputGrad: (m) => m.runTrainingKernel(m.GROUP_CONV_INPUT_GRAD, { dy, filter: bwdFilter }, { ...attrs, inputShape: x.shape }),
    filterGrad: (m) => m.runTrainingKernel(m.GROUP_CONV_FILTER_GRAD, { x, dy }, { ...attrs, k: 3 }),
  };
  for (const [kernel, call] of Object.entries(calls)) time(name, kernel, call);
  tf.dispose([x, dy, fwdFilter, bwdFilter]);
}
for (const [name, [rows, m, n]] of Object.entries(only && only !== 'atb' ? {} : AT_B)) {
  const a = tf.randomNormal([rows, m]);
  const b = tf.randomNormal([rows, n]);
  time(name, 'matMulAtB', (mod) => mod.runTrainingKernel(mod.MAT_MUL_AT_B, { a, b }));
  tf.dispose([a, b]);
}
for (const [name, [rows, c]] of Object.entries(only && only !== 'bn' ? {} : BN)) {
  const x = tf.randomNormal([rows, c]);
  const dy = tf.randomNormal([rows, c]);
  const [mean, scale, beta] = [0, 1, 2].map(() => tf.randomNormal([c]));
  time(name, 'bnStats', (m) => m.runTrainingKernel(m.BN_STATS, { x }));
  time(name, 'bnBackwardSums', (m) => m.runTrainingKernel(m.BN_BACKWARD_SUMS, { x, dy, mean, scale, beta }, { relu: true }));
  tf.dispose([x, dy, mean, scale, beta]);
}
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
