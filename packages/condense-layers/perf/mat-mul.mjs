// The dense 1x1 conv products of a training step (forward a x w, input gradient dy x w^T) on the
// quick start's and CondenseNet-86's shapes at batch 64: tfjs's matMul against this package's
// CondenseMatMul, calls interleaved, each tfjs call on a weight it has not seen (in training
// the weight is new every step, and tfjs-wasm's XNNPACK path packs it per weight tensor).
// Checks that both give the same values, then prints one JSON line per shape with the
// median ms and GFLOP/s of each. The package must be built first.
// Usage: node perf/mat-mul.mjs [--backend wasm|cpu] [--reps 11]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { MAT_MUL, runTrainingKernel } from '../dist/kernels/training-kernels.js';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' }, reps: { type: 'string', default: '11' } } });
const reps = Number(values.reps);
// [rows, k, n]: the widest layer of each block, forward and input gradient.
const SHAPES = {
  'qs block 1 forward': [12544, 48, 64],
  'qs block 1 input grad': [12544, 64, 48],
  'qs block 2 forward': [3136, 96, 128],
  'qs block 2 input grad': [3136, 128, 96],
  'qs block 3 forward': [576, 192, 256],
  'qs block 3 input grad': [576, 256, 192],
  'cn86 block 1 forward': [65536, 120, 32],
  'cn86 block 1 input grad': [65536, 32, 120],
  'cn86 block 2 forward': [16384, 336, 64],
  'cn86 block 2 input grad': [16384, 64, 336],
  'cn86 block 3 forward': [4096, 768, 128],
  'cn86 block 3 input grad': [4096, 128, 768],
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await tf.setBackend(values.backend);
await tf.ready();
for (const [shape, [rows, k, n]] of Object.entries(SHAPES)) {
  const a = tf.randomNormal([rows, k]);
  const w = tf.randomNormal([k, n]);
  const same = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.matMul(a, w), runTrainingKernel(MAT_MUL, { a, b: w })))).dataSync()[0]);
  const times = { tfjs: [], own: [] };
  for (let r = 0; r <= reps; r++) {
    const fresh = tf.add(w, 0);
    let t0 = performance.now();
    const y = tf.matMul(a, fresh);
    y.dataSync();
    if (r > 0) times.tfjs.push(performance.now() - t0);
    t0 = performance.now();
    const z = runTrainingKernel(MAT_MUL, { a, b: fresh });
    z.dataSync();
    if (r > 0) times.own.push(performance.now() - t0);
    tf.dispose([fresh, y, z]);
  }
  const gflop = (2 * rows * k * n) / 1e9;
  const row = { shape, rows, k, n, maxAbsDiff: same };
  for (const [name, t] of Object.entries(times)) {
    row[`${name}Ms`] = +median(t).toFixed(2);
    row[`${name}GflopPerS`] = +(gflop / (median(t) / 1000)).toFixed(1);
  }
  row.speedUp = +(median(times.tfjs) / median(times.own)).toFixed(2);
  console.log(JSON.stringify(row));
  tf.dispose([a, w]);
}
console.log(JSON.stringify({ backend: values.backend, load: loadavg().map((l) => +l.toFixed(2)), node: process.version, date: new Date().toISOString() }));
