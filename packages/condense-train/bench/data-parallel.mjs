// One training step of the quick-start-sized model (stages 2-2-2, growth 16-32-64, stem stride 2,
// 28x28x1, batch 64) in this thread alone and split across this thread and one worker
// (DataParallel, workers 2), interleaved so that load changes hit both alike.
// Usage: node bench/data-parallel.mjs [--backend wasm] [--batch 64] [--rounds 12]
// Prints one JSON object with median ms per step; the package must be built first.
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { geometryForInput, resolveConfig } from '@condensenet/core';
import { buildCondenseNet } from '@condensenet/layers';
import { DataParallel, Sgd, selectBackend, trainStep, trainableFromLayersModel } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    batch: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '12' },
  },
});
const n = Number(values.batch);
const rounds = Number(values.rounds);
const backend = (await selectBackend(values.backend)).name;
const config = resolveConfig({
  stages: [2, 2, 2],
  growth: [16, 32, 64],
  ...geometryForInput(28, 3, 2),
  inputSize: 28,
  inputChannels: 1,
  numClasses: 10,
});
const layers = buildCondenseNet(config);
const model = trainableFromLayersModel(layers);
const sgd = new Sgd();
const batch = {
  images: Float32Array.from({ length: n * 28 * 28 }, () => Math.random()),
  labels: Int32Array.from({ length: n }, (_, i) => i % 10),
  shape: [n, 28, 28, 1],
};
const parallel = await DataParallel.start(model, { workers: 2, backend });
const single = async () => {
  const images = tf.tensor4d(batch.images, batch.shape);
  const labels = tf.tensor1d(batch.labels, 'int32');
  await trainStep(model, sgd, { images, labels, learningRate: 0.01, groupLassoLambda: 1e-5 });
  tf.dispose([images, labels]);
};
const times = { workers1: [], workers2: [] };
const loadBefore = os.loadavg();
// Round 0 warms both paths up (kernels, momentum buffers) and is not counted.
for (let round = 0; round <= rounds; round++) {
  let t0 = performance.now();
  await single();
  if (round > 0) times.workers1.push(performance.now() - t0);
  t0 = performance.now();
  await parallel.step(sgd, batch, 0.01, 1e-5);
  if (round > 0) times.workers2.push(performance.now() - t0);
}
await parallel.dispose();
const median = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
const ms = { workers1: median(times.workers1), workers2: median(times.workers2) };
console.log(
  JSON.stringify({
    backend,
    batch: n,
    params: model.parameters.reduce((sum, p) => sum + p.variable.size, 0),
    msPerStep: ms,
    imagesPerSecond: { workers1: (1000 * n) / ms.workers1, workers2: (1000 * n) / ms.workers2 },
    speedup: ms.workers1 / ms.workers2,
    load: { before: loadBefore, after: os.loadavg() },
    cpus: os.cpus().length,
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
  }),
);
layers.dispose();
