// Training images/s of a CondenseNet (default CondenseNet-86, CIFAR geometry) per backend:
// full iterations of the training loop's step (forward, CE + group lasso, backward, SGD).
// Usage: node bench/train-throughput.mjs [--preset condensenet-86] [--batch 64]
//        [--backends wasm,cpu] [--steps 3] [--out results.json]
// Prints one JSON object; the package must be built first (npm run build).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { buildPlan, countCost, presetConfig } from '@condensenet/core';
import { buildCondenseNet } from '@condensenet/layers';
import { Sgd, selectBackend, trainStep, trainableFromLayersModel } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'condensenet-86' },
    batch: { type: 'string', default: '64' },
    backends: { type: 'string', default: 'wasm,cpu' },
    steps: { type: 'string', default: '3' },
    out: { type: 'string' },
  },
});
const batch = Number(values.batch);
const steps = Number(values.steps);
const config = presetConfig(values.preset);
const executed = countCost(buildPlan(config), 'executed').flops;

const results = [];
for (const name of values.backends.split(',')) {
  const backend = await selectBackend(name);
  const model = buildCondenseNet(config);
  const trainable = trainableFromLayersModel(model);
  const sgd = new Sgd();
  const { inputSize: s, inputChannels: c, numClasses } = config;
  const images = tf.randomNormal([batch, s, s, c]);
  const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % numClasses), 'int32');
  const times = [];
  for (let i = 0; i <= steps; i++) {
    await trainable.setProgress(0.01);
    const t0 = performance.now();
    await trainStep(trainable, sgd, { images, labels, learningRate: 0.1, groupLassoLambda: 1e-5 });
    times.push(performance.now() - t0);
  }
  const measured = times.slice(1).sort((a, b) => a - b);
  const median = measured[Math.floor(measured.length / 2)];
  results.push({
    backend: backend.name,
    msPerStep: Math.round(median),
    imagesPerSecond: Number(((batch * 1000) / median).toFixed(2)),
    // Forward multiply-adds the masked training form executes; a step is about three times that.
    effectiveGmacsPerSecond: Number(((3 * executed * batch) / median / 1e6).toFixed(2)),
    stepsMs: times.map(Math.round),
  });
  tf.dispose([images, labels]);
  sgd.dispose();
  model.dispose();
}

const report = {
  benchmark: 'train-throughput',
  model: values.preset,
  batch,
  steps,
  executedForwardMacsPerImage: executed,
  machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  date: new Date().toISOString(),
  results,
};
const text = JSON.stringify(report, null, 2);
if (values.out) writeFileSync(values.out, `${text}\n`);
console.log(text);
