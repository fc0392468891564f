// The training loop's throughput on real Fashion-MNIST batches (augmentation, progress and
// condensing, the PyTorch SGD step, data-parallel threads: what `condense train` runs per
// iteration, without the progress bar) with glibc's default malloc and with the heap kept
// (MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_, what the CLI relaunches itself with).
// Each setting runs in a child process, since glibc reads the variables at start; settings and
// worker counts alternate round by round so that load changes hit all alike.
// Usage: node bench/malloc-tuning.mjs [--steps 60] [--rounds 2] [--workers 1,2]
// Needs the package built and the fashion-mnist package installed; prints one JSON object.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const TUNED = { MALLOC_MMAP_THRESHOLD_: '1073741824', MALLOC_TRIM_THRESHOLD_: '4294967295' };
const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '2' },
    workers: { type: 'string', default: '1,2' },
    child: { type: 'string' },
  },
});

if (values.child) {
  console.log(JSON.stringify(await measure(Number(values.child), Number(values.steps))));
} else {
  const runs = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const workers of values.workers.split(',').map(Number)) {
      for (const malloc of round % 2 ? ['tuned', 'default'] : ['default', 'tuned']) {
        const env = { ...process.env };
        for (const name of Object.keys(TUNED)) delete env[name];
        if (malloc === 'tuned') Object.assign(env, TUNED);
        const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(workers), '--steps', values.steps], {
          env,
          encoding: 'utf8',
        });
        if (child.status !== 0) throw new Error(`child (${malloc}, ${workers} workers) failed:\n${child.stderr}`);
        const run = { round: round + 1, malloc, ...JSON.parse(child.stdout.trim().split('\n').at(-1)) };
        console.error(JSON.stringify(run));
        runs.push(run);
      }
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = {};
  for (const run of runs) {
    const key = `${run.malloc}, ${run.workers} worker(s)`;
    summary[key] ??= [];
    summary[key].push(run.imagesPerSecond);
  }
  console.log(
    JSON.stringify(
      {
        machine: `${os.cpus()[0]?.model}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
        model: 'stages 2-2-2, growth 16-32-64, stem stride 2, 28x28x1, batch 64 (the quick start)',
        steps: Number(values.steps),
        medianImagesPerSecond: Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, median(v)])),
        runs,
      },
      null,
      1,
    ),
  );
}

async function measure(workers, steps) {
  const tf = await import('@tensorflow/tfjs-core');
  const { geometryForInput, resolveConfig } = await import('@condensenet/core');
  const { buildCondenseNet } = await import('@condensenet/layers');
  const T = await import('../dist/index.js');
  await T.selectBackend('wasm');
  const source = await T.loadDataset('fashion-mnist');
  const split = await source.split('train');
  const { dataset } = source;
  const config = resolveConfig({
    stages: [2, 2, 2],
    growth: [16, 32, 64],
    ...geometryForInput(28, 3, 2),
    inputSize: 28,
    inputChannels: 1,
    numClasses: 10,
  });
  const model = T.trainableFromLayersModel(buildCondenseNet(config, { seed: 1 }));
  const sgd = new T.Sgd(T.REFERENCE_SGD);
  const batches = new T.BatchIterator(split, { batchSize: 64, seed: 0, mean: dataset.mean, std: dataset.std, augmentation: T.defaultAugmentation(dataset) });
  const parallel = workers > 1 ? await T.DataParallel.start(model, { workers, backend: 'wasm' }) : undefined;
  const warmup = 5;
  let started = 0;
  for (let i = 0; i < warmup + steps; i++) {
    if (i === warmup) started = performance.now();
    const batch = batches.next();
    // Mid-schedule progress: the first call condenses once, as a run does every few epochs.
    await model.setProgress(0.3);
    if (parallel) await parallel.step(sgd, batch, 0.05, 0);
    else {
      const images = tf.tensor4d(batch.images, [...batch.shape]);
      const labels = tf.tensor1d(batch.labels, 'int32');
      await T.trainStep(model, sgd, { images, labels, learningRate: 0.05, groupLassoLambda: 0 });
      tf.dispose([images, labels]);
    }
  }
  const ms = performance.now() - started;
  await parallel?.dispose();
  return { workers, msPerStep: +(ms / steps).toFixed(1), imagesPerSecond: +((64 * steps * 1000) / ms).toFixed(1) };
}
