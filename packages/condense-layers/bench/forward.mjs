// Whole-model forward latency of CondenseNet-86, training form (masked, eval mode) vs condensed
// form (tfjs-layers), at batch 1 and 32, per backend; prints JSON. The op-level strategy study
// and the wasm training step are in bench.mjs; this is the quick model-level table for backends
// (like cpu) where bench.mjs takes too long.
// Usage: pnpm build && node bench/forward.mjs [--backends cpu,wasm] [--reps 2] [--out FILE]
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { buildCondenseNet, condense, learnedGroupConvs } from '../dist/index.js';

const { values } = parseArgs({
  options: { backends: { type: 'string', default: 'cpu,wasm' }, reps: { type: 'string', default: '2' }, out: { type: 'string' } },
});
const reps = Number(values.reps);

function median(fn) {
  fn().dispose();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const y = fn();
    y.dataSync();
    times.push(performance.now() - t0);
    y.dispose();
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]);
}

const results = [];
for (const backend of values.backends.split(',')) {
  await tf.setBackend(backend);
  await tf.ready();
  const training = buildCondenseNet('condensenet-86');
  // Drive every learned group conv through all its stages so the model can be condensed.
  for (const l of learnedGroupConvs(training)) for (let s = 1; s < l.condenseFactor; s++) l.advance(s / (2 * (l.condenseFactor - 1)));
  const condensed = condense(training);
  for (const batch of [1, 32]) {
    const x = tf.randomNormal([batch, 32, 32, 3]);
    results.push({
      backend,
      batch,
      trainingFormMs: median(() => training.predict(x)),
      condensedFormMs: median(() => condensed.predict(x)),
    });
    x.dispose();
  }
  training.dispose();
  condensed.dispose();
}
const report = {
  benchmark: 'condensenet-86 forward',
  reps,
  machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  date: new Date().toISOString(),
  results,
};
const text = JSON.stringify(report, null, 2);
if (values.out) writeFileSync(values.out, `${text}\n`);
console.log(text);
