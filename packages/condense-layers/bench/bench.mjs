// CondenseNet-86 and grouped-conv strategy timings on the Node backends; writes JSON.
// Usage: pnpm build && node bench/bench.mjs [--backends wasm,cpu] [--out bench/results/NAME.json] [--quick]
// Run with MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967295 (recorded in the
// output): freshly mapped memory is slow to touch on these VMs (tfjs-platform.md).
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem, hostname, release } from 'node:os';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {
  backendStrategies,
  buildCondenseNet,
  computeGradients,
  condense,
  groupConv2d,
  indexSelect,
  learnedGroupConvs,
  setBackendStrategies,
} from '../dist/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const quick = args.includes('--quick');
const backends = opt('backends', 'wasm,cpu').split(',');
const out = opt('out', 'bench/results/latest.json');

const log = (...a) => console.error(...a);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median wall time of fn (which returns tensors; we read them back to include the work). */
function time(fn, reps, warmup = 1) {
  const run = () => {
    const t0 = performance.now();
    const outs = tf.tidy(fn);
    for (const t of [outs].flat()) t.dataSync();
    const dt = performance.now() - t0;
    tf.dispose(outs);
    return dt;
  };
  for (let i = 0; i < warmup; i++) run();
  const times = [];
  for (let i = 0; i < reps; i++) times.push(run());
  return { medianMs: +median(times).toFixed(2), runs: times.map((t) => +t.toFixed(2)) };
}

const rand = (shape) => tf.randomNormal(shape);

// Shapes of CondenseNet-86 layers (first/middle/last of blocks), batch 32.
const POINTWISE = [
  { name: 'block1 last: 32x32, 120 -> 32, G=4', hw: 32, cin: 120, cout: 32 },
  { name: 'block2 middle: 16x16, 240 -> 64, G=4', hw: 16, cin: 240, cout: 64 },
  { name: 'block3 last: 8x8, 768 -> 128, G=4', hw: 8, cin: 768, cout: 128 },
];
const SPATIAL = [
  { name: 'block1: 32x32, 32 -> 8, G=4', hw: 32, cin: 32, cout: 8 },
  { name: 'block2: 16x16, 64 -> 16, G=4', hw: 16, cin: 64, cout: 16 },
  { name: 'block3: 8x8, 128 -> 32, G=4', hw: 8, cin: 128, cout: 32 },
];
const GATHER = [
  { name: '32x32, 120 channels', hw: 32, c: 120 },
  { name: '8x8, 768 channels', hw: 8, c: 768 },
];

function opBench(reps) {
  const res = { pointwiseForward: [], spatialForward: [], spatialTrain: [], indexSelect: [] };
  const batch = 32;
  for (const s of POINTWISE) {
    const x = rand([batch, s.hw, s.hw, s.cin]);
    const f = rand([1, 1, s.cin / 4, s.cout]);
    const row = { shape: s.name };
    for (const strategy of ['split', 'blockDiagonal', 'batchedMatMul']) {
      row[strategy] = time(() => groupConv2d(x, f, { groups: 4, strategy }), reps).medianMs;
    }
    res.pointwiseForward.push(row);
    tf.dispose([x, f]);
  }
  for (const s of SPATIAL) {
    const x = rand([batch, s.hw, s.hw, s.cin]);
    const f = rand([3, 3, s.cin / 4, s.cout]);
    const fwd = { shape: s.name };
    const train = { shape: s.name };
    for (const strategy of ['split', 'blockDiagonal']) {
      const conv = (a, b) => groupConv2d(a, b, { groups: 4, padding: 1, strategy });
      fwd[strategy] = time(() => conv(x, f), reps).medianMs;
      train[strategy] = time(() => tf.grads((a, b) => tf.sum(conv(a, b)))([x, f]), reps).medianMs;
    }
    res.spatialForward.push(fwd);
    res.spatialTrain.push(train);
    tf.dispose([x, f]);
  }
  for (const s of GATHER) {
    const x = rand([batch, s.hw, s.hw, s.c]);
    const index = tf.tensor1d(Array.from({ length: s.c }, (_, i) => (i * 7) % s.c), 'int32');
    const row = { shape: s.name };
    for (const strategy of ['gather', 'matMul']) row[strategy] = time(() => indexSelect(x, index, strategy), reps).medianMs;
    res.indexSelect.push(row);
    tf.dispose([x, index]);
  }
  return res;
}

function condensedMasks(model) {
  for (const l of learnedGroupConvs(model)) for (let s = 1; s < l.condenseFactor; s++) l.advance(s / (2 * (l.condenseFactor - 1)));
}

function trainStep(model, batch) {
  const optimizer = tf.train.momentum(0.01, 0.9, true);
  const x = rand([batch, 32, 32, 3]);
  const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
  const step = () => {
    const { loss, grads } = computeGradients(model, x, labels, { progress: 0.6 });
    optimizer.applyGradients(model.trainableWeights.map((w, k) => ({ name: w.read().name, tensor: grads[k] })));
    tf.dispose(grads);
    return loss;
  };
  return { step, dispose: () => { tf.dispose([x, labels]); optimizer.dispose(); } };
}

/** Sum over the representative shapes of each strategy's op-level median. */
function opTotals(rows, strategies) {
  return Object.fromEntries(strategies.map((s) => [s, +rows.reduce((a, r) => a + r[s], 0).toFixed(2)]));
}

/**
 * The defaults: op-level totals decide (7 repetitions per shape on wasm, so they are stable);
 * the whole-model runs with each alternative forced are reported beside them, because on a
 * shared 2-core machine their differences were below run-to-run noise.
 */
function chooseFromOps(ops) {
  return {
    pointwise: best(opTotals(ops.pointwiseForward, ['split', 'blockDiagonal', 'batchedMatMul'])),
    spatial: best(opTotals(ops.spatialTrain, ['split', 'blockDiagonal'])),
    indexSelect: best(opTotals(ops.indexSelect, ['gather', 'matMul'])),
  };
}

function modelBench(backend, plan, ops) {
  const training = buildCondenseNet('condensenet-86');
  condensedMasks(training);
  const condensed = condense(training);
  const res = { strategyAlternatives: {}, chosen: {}, timings: {} };
  const x32 = rand([32, 32, 32, 3]);
  const x1 = rand([1, 32, 32, 3]);
  const xAlt = rand([plan.altForwardBatch, 32, 32, 3]);

  // Each alternative forced through the whole model: the defaults are picked from these.
  const fwdPointwise = {};
  for (const pointwise of ['split', 'blockDiagonal', 'batchedMatMul']) {
    setBackendStrategies(backend, { pointwise });
    fwdPointwise[pointwise] = time(() => condensed.predict(xAlt), plan.reps).medianMs;
  }
  const chosen = chooseFromOps(ops);
  const { pointwise } = chosen;
  const fwdIndex = {};
  for (const indexSelect of ['gather', 'matMul']) {
    setBackendStrategies(backend, { pointwise, indexSelect });
    fwdIndex[indexSelect] = time(() => condensed.predict(xAlt), plan.reps).medianMs;
  }
  const { indexSelect } = chosen;
  const trainSpatial = {};
  for (const spatial of ['split', 'blockDiagonal']) {
    setBackendStrategies(backend, { pointwise, indexSelect, spatial });
    const t = trainStep(training, plan.altTrainBatch);
    trainSpatial[spatial] = time(t.step, plan.trainReps).medianMs;
    t.dispose();
  }
  res.strategyAlternatives = {
    [`condensed forward, batch ${plan.altForwardBatch}, by pointwise strategy (ms)`]: fwdPointwise,
    [`condensed forward, batch ${plan.altForwardBatch}, by index-select strategy (ms)`]: fwdIndex,
    [`training step, batch ${plan.altTrainBatch}, by spatial strategy (ms)`]: trainSpatial,
  };
  res.opLevelTotals = {
    pointwiseForward: opTotals(ops.pointwiseForward, ['split', 'blockDiagonal', 'batchedMatMul']),
    spatialTrain: opTotals(ops.spatialTrain, ['split', 'blockDiagonal']),
    indexSelect: opTotals(ops.indexSelect, ['gather', 'matMul']),
  };
  res.chosen = chosen;
  setBackendStrategies(backend, res.chosen);

  res.timings = {
    'training form forward (eval), batch 1': time(() => training.predict(x1), plan.reps),
    'training form forward (eval), batch 32': time(() => training.predict(x32), plan.reps),
    'condensed forward, batch 1': time(() => condensed.predict(x1), plan.reps),
    'condensed forward, batch 32': time(() => condensed.predict(x32), plan.reps),
  };
  const t = trainStep(training, plan.trainBatch);
  res.timings[`training step (forward + backward + Nesterov SGD), batch ${plan.trainBatch}`] = time(
    t.step,
    plan.trainReps,
    plan.trainWarmup,
  );
  t.dispose();
  if (plan.trainNote) res.timings.note = plan.trainNote;
  tf.dispose([x1, x32, xAlt]);
  training.dispose();
  condensed.dispose();
  setBackendStrategies(backend, {});
  return res;
}

function best(timings) {
  return Object.entries(timings).sort((a, b) => a[1] - b[1])[0][0];
}

const results = {
  generatedBy: '@condensenet/layers bench/bench.mjs',
  date: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    os: `${process.platform} ${release()}`,
    host: hostname(),
    node: process.version,
    tfjs: tf.version_core,
    note: 'shared VM: other jobs ran on the same 2 cores; cpu-backend timings vary 30-50% run to run',
  },
  env: {
    MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? null,
    MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_ ?? null,
    wasmThreads: 'single-threaded (Node)',
  },
  backends: {},
};

for (const backend of backends) {
  await tf.setBackend(backend);
  await tf.ready();
  const plan =
    backend === 'cpu'
      ? {
          reps: quick ? 1 : 3,
          trainReps: 1,
          trainWarmup: 0,
          altForwardBatch: 8,
          altTrainBatch: 8,
          trainBatch: 64,
          opReps: quick ? 1 : 3,
        }
      : {
          reps: quick ? 2 : 5,
          trainReps: quick ? 1 : 3,
          trainWarmup: 1,
          altForwardBatch: 32,
          altTrainBatch: 32,
          trainBatch: 32,
          opReps: quick ? 2 : 7,
          trainNote:
            'batch 64 does not fit: the training step of the training form peaks at ~65 MB per image in wasm memory (2.2 GB at batch 32) and wasm32 memory ends at 4 GB',
        };
  log(`[${backend}] op-level strategies`);
  const ops = opBench(plan.opReps);
  log(JSON.stringify(ops));
  log(`[${backend}] CondenseNet-86`);
  const model = modelBench(backend, plan, ops);
  log(JSON.stringify(model));
  results.backends[backend] = { defaultsBefore: backendStrategies(backend), ops, condensenet86: model };
  // Written after every backend, so a long cpu run never loses the wasm results.
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${out}`);
}
