// Training images/s per condensing stage: the quick start's model (Fashion-MNIST 28x28x1,
// stages 2-2-2, growth 16-32-64, stride-2 stem) and CondenseNet-86 (CIFAR 32x32x3), batch 64,
// on one thread and on two data-parallel threads, next to the authors' PyTorch code
// (/work/shared/tools/peer/torch_train_step.py, same geometry, same thread count) run in the
// same process tree, round by round, so that the machine's load hits both alike. `workers1Dense`:
// the one-thread step again with the learned group convs forced onto the dense masked conv
// (`condensedTrainingMaxKept: 0`), interleaved with `workers1`, so the condensed layout's gain
// per stage is measured under the same load.
// Usage: node bench/train-stages.mjs [--backend wasm] [--models quick,cn86] [--rounds 5]
//        [--cn86-rounds 2] [--burst 4] [--torch REF_DIR] [--stages 0,1,2,3] [--max-kept F]
//        [--no-torch] [--profile]
// (--max-kept: the backend's condensedTrainingMaxKept for the one-thread condensed steps;
// --no-torch: skip the PyTorch peer; --profile: one more one-thread step per stage under
// tf.profile, split into the project's own kernels and tfjs's, with what threading our kernels
// inside one step could gain at most, to set against the two data-parallel workers' measured gain.)
// Prints one JSON object; both packages must be built first.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { geometryForInput, presetConfig, resolveConfig, targetStage } from '@condensenet/core';
import { backendStrategies, buildCondenseNet, setBackendStrategies } from '@condensenet/layers';
import { DataParallel, Sgd, selectBackend, trainStep, trainableFromLayersModel } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    models: { type: 'string', default: 'quick,cn86' },
    rounds: { type: 'string', default: '5' },
    'cn86-rounds': { type: 'string', default: '2' },
    burst: { type: 'string', default: '4' },
    stages: { type: 'string', default: '0,1,2,3' },
    torch: { type: 'string', default: '/work/shared/reference/condensenet-official' },
    // Overrides the backend's default condensedTrainingMaxKept (one thread only).
    'max-kept': { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const N = 64;
const burst = Math.max(2, Number(values.burst));
const TORCH_STEP = '/work/shared/tools/peer/torch_train_step.py';
// Progress inside each stage of C = 4 (stage s for progress in [s/6, (s+1)/6), 3 from 1/2 on).
const PROGRESS = [0.05, 0.2, 0.4, 0.6];
const MODELS = {
  quick: {
    config: resolveConfig({ stages: [2, 2, 2], growth: [16, 32, 64], ...geometryForInput(28, 3, 2), inputSize: 28, inputChannels: 1, numClasses: 10 }),
    shape: [N, 28, 28, 1],
    torchArgs: ['2-2-2', '16-32-64', '--fmnist'],
  },
  cn86: { config: presetConfig('condensenet-86'), shape: [N, 32, 32, 3], torchArgs: ['14-14-14', '8-16-32'] },
};

const backend = (await selectBackend(values.backend)).name;
const condensed = values['max-kept'] === undefined ? {} : { condensedTrainingMaxKept: Number(values['max-kept']) };
setBackendStrategies(backend, condensed);
const median = (a) => {
  const s = a.slice().sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * One one-thread step under tf.profile. Registered kernels only: a custom gradient's forward
 * function is profiled as its scope ('unnamed scope'), whose time includes the kernels it runs.
 * `ownThreadedAtBest`: that step's speed-up if our kernels (Condense*) ran on two threads at
 * twice their speed and nothing else changed (tfjs-wasm runs one thread in Node), the most that
 * kernels threading themselves could give; `dataParallelMeasured`: what the two workers gave
 * (median steps).
 */
async function profileStep(single, oneThreadMs, twoWorkersMs) {
  const started = performance.now();
  const p = await tf.profile(single);
  const stepMs = performance.now() - started;
  const by = new Map();
  for (const k of p.kernels) {
    if (!tf.getKernel(k.name, backend)) continue;
    by.set(k.name, (by.get(k.name) ?? 0) + k.kernelTimeMs);
  }
  const sum = (own) => [...by].filter(([name]) => /^Condense/.test(name) === own).reduce((a, [, ms]) => a + ms, 0);
  const ownMs = sum(true);
  const tfjsMs = sum(false);
  return {
    stepMs: +stepMs.toFixed(1),
    ownKernelsMs: +ownMs.toFixed(1),
    tfjsKernelsMs: +tfjsMs.toFixed(1),
    outsideKernelsMs: +(stepMs - ownMs - tfjsMs).toFixed(1),
    ownThreadedAtBest: +(stepMs / (stepMs - ownMs / 2)).toFixed(2),
    dataParallelMeasured: +(oneThreadMs / twoWorkersMs).toFixed(2),
    top: [...by].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`),
  };
}
const results = [];
const loadBefore = os.loadavg();
for (const name of values.models.split(',')) {
  const spec = MODELS[name];
  const rounds = Number(name === 'cn86' ? values['cn86-rounds'] : values.rounds);
  const model = trainableFromLayersModel(buildCondenseNet(spec.config, { seed: 1 }));
  const sgd = new Sgd();
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const batch = {
    images: Float32Array.from({ length: size }, () => Math.random()),
    labels: Int32Array.from({ length: N }, (_, i) => i % 10),
    shape: spec.shape,
  };
  const single = async () => {
    const images = tf.tensor4d(batch.images, batch.shape);
    const labels = tf.tensor1d(batch.labels, 'int32');
    await trainStep(model, sgd, { images, labels, learningRate: 0.01, groupLassoLambda: 1e-5 });
    tf.dispose([images, labels]);
  };
  const parallel = await DataParallel.start(model, { workers: 2, backend });
  for (const stage of values.stages.split(',').map(Number)) {
    const progress = PROGRESS[stage];
    // One prune per forward, and a jump of several stages drops only one stage's channels (as
    // in the reference): step through every stage up to this one, as a training run does, so
    // that the masks keep what that stage keeps (not timed).
    for (let s = 1; s <= stage; s++) {
      while ((await model.setProgress(PROGRESS[s])) < targetStage(PROGRESS[s], spec.config.condenseFactor)) await single();
    }
    const times = { workers1: [], workers1Dense: [], workers2: [] };
    const firstOfBurst = { workers1: [], workers1Dense: [], workers2: [] };
    // Each way runs `burst` steps back to back, as a training run does and as the PyTorch peer
    // times its steps, and the first of each burst, which follows the other ways' steps, is not
    // counted. Round 0 warms every path up at this stage and is not counted either.
    const timed = async (key, round, step) => {
      for (let i = 0; i < burst; i++) {
        const t0 = performance.now();
        await step();
        if (round > 0) (i > 0 ? times[key] : firstOfBurst[key]).push(performance.now() - t0);
      }
    };
    // PyTorch runs after our ways in every round (its own process; its script drops two warm-up
    // steps), and the ratio is the median of the rounds' ratios: this host's speed drifts by
    // tens of percent within minutes, so a rival timed minutes apart measured the drift.
    const torchRounds = [];
    const ratios = [];
    for (let round = 0; round <= rounds; round++) {
      await timed('workers1', round, single);
      setBackendStrategies(backend, { condensedTrainingMaxKept: 0 });
      await timed('workers1Dense', round, single);
      setBackendStrategies(backend, condensed);
      await timed('workers2', round, () => parallel.step(sgd, batch, 0.01, 1e-5));
      if (round === 0 || values['no-torch']) continue;
      const torchOut = execFileSync(
        '/usr/bin/python3',
        [TORCH_STEP, values.torch, ...spec.torchArgs, '--batch', String(N), '--threads', '2', '--steps', String(Math.max(3, burst - 1)), '--progress', String(progress)],
        { encoding: 'utf8' },
      );
      const torch = Number(/'images_per_s': ([\d.e+-]+)/.exec(torchOut)?.[1]);
      torchRounds.push(torch);
      ratios.push((1000 * N) / median(times.workers2.slice(-(burst - 1))) / torch);
    }
    const torch = torchRounds.length > 0 ? median(torchRounds) : Number.NaN;
    const row = {
      model: name,
      stage,
      progress,
      imagesPerSecond: {
        workers1: +((1000 * N) / median(times.workers1)).toFixed(1),
        workers1Dense: +((1000 * N) / median(times.workers1Dense)).toFixed(1),
        workers2: +((1000 * N) / median(times.workers2)).toFixed(1),
        torch2threads: +torch.toFixed(1),
      },
      msPerStep: Object.fromEntries(Object.entries(times).map(([k, t]) => [k, t.map(Math.round)])),
      msFirstOfBurst: Object.fromEntries(Object.entries(firstOfBurst).map(([k, t]) => [k, t.map(Math.round)])),
      torchImagesPerSecondByRound: torchRounds.map((t) => +t.toFixed(1)),
      ratioByRound: ratios.map((r) => +r.toFixed(2)),
      load: os.loadavg().map((l) => +l.toFixed(2)),
    };
    row.ratioWorkers2ToTorch = ratios.length > 0 ? +median(ratios).toFixed(2) : null;
    if (values.profile) row.profile = await profileStep(single, median(times.workers1), median(times.workers2));
    console.error(JSON.stringify(row));
    results.push(row);
  }
  await parallel.dispose();
  sgd.dispose();
}
console.log(
  JSON.stringify(
    {
      backend,
      batch: N,
      condensedTrainingMaxKept: backendStrategies(backend).condensedTrainingMaxKept,
      results,
      load: { before: loadBefore.map((l) => +l.toFixed(2)), after: os.loadavg().map((l) => +l.toFixed(2)) },
      cpu: os.cpus()[0]?.model,
      cpus: os.cpus().length,
      node: process.version,
      date: new Date().toISOString(),
    },
    null,
    1,
  ),
);
