import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { geometryForInput, resolveConfig } from '@condensenet/core';
import { buildCondenseNet } from '@condensenet/layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@condensenet/golden-fixtures';
import type { CheckpointTensor } from '../checkpoint/checkpoint-file.js';
import { trainableFromLayersModel } from '../model/layers-model.js';
import { Sgd } from '../optim/sgd.js';
import { softmaxModel } from '../test-support/softmax-model.js';
import type { TrainableModel } from '../training/trainable-model.js';
import { DataParallel, shardSizes } from './data-parallel.js';

const config = resolveConfig({ stages: [1, 1], growth: [4, 8], ...geometryForInput(8, 2), inputSize: 8, inputChannels: 3, numClasses: 3 });
const sgdOptions = { momentum: 0.9, nesterov: true, weightDecay: 1e-4 };
const LAMBDA = 1e-3;
const RUNNING_STATS = /running_(mean|var)$/;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function batchOf(n: number, seed: number) {
  const rand = seededRandom(seed);
  return {
    images: Float32Array.from({ length: n * 8 * 8 * 3 }, () => rand() * 2 - 1),
    labels: Int32Array.from({ length: n }, () => Math.floor(rand() * 3)),
    shape: [n, 8, 8, 3] as [number, number, number, number],
  };
}

/** Two models with the same weights: one for the parallel engine, one for the single-thread check. */
async function twins(): Promise<[TrainableModel, TrainableModel, () => void]> {
  const a = buildCondenseNet(config);
  const b = buildCondenseNet(config);
  const main = trainableFromLayersModel(a);
  const check = trainableFromLayersModel(b);
  check.importWeights(await main.exportWeights());
  const dispose = () => {
    a.dispose();
    b.dispose();
  };
  return [main, check, dispose];
}

/** Both shards through one model in this thread, gradients weighted by shard size and added. */
function referenceStep(model: TrainableModel, sgd: Sgd, batch: ReturnType<typeof batchOf>, lr: number): number {
  const [n, h, w, c] = batch.shape;
  const sizes = shardSizes(n, 2);
  let start = 0;
  const perShard = sizes.map((size, k) => {
    const x = tf.tensor4d(batch.images.slice(start * h * w * c, (start + size) * h * w * c), [size, h, w, c]);
    const y = tf.tensor1d(batch.labels.slice(start, start + size), 'int32');
    start += size;
    const out = tf.variableGrads(() =>
      tf.tidy(() => {
        const logits = model.forward(x, true);
        const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(y, 3), logits);
        const loss = tf.mul(ce, size / n);
        return (k === 0 ? tf.add(loss, tf.mul(model.groupLasso(), LAMBDA)) : loss) as tf.Scalar;
      }),
      model.parameters.map((p) => p.variable),
    );
    tf.dispose([x, y]);
    return out;
  });
  const loss = perShard.reduce((sum, s) => sum + s.value.dataSync()[0], 0);
  tf.tidy(() => {
    const grads: tf.NamedTensorMap = {};
    for (const { variable } of model.parameters) grads[variable.name] = tf.add(perShard[0].grads[variable.name], perShard[1].grads[variable.name]);
    sgd.step(model.parameters, grads, lr);
  });
  for (const s of perShard) tf.dispose([s.value, s.grads]);
  return loss;
}

function maxDifference(a: CheckpointTensor[], b: CheckpointTensor[], skip = RUNNING_STATS): number {
  const byName = new Map(b.map((t) => [t.name, t]));
  let worst = 0;
  for (const t of a) {
    if (skip.test(t.name)) continue;
    const other = byName.get(t.name)!;
    for (let i = 0; i < t.values.length; i++) worst = Math.max(worst, Math.abs(t.values[i] - other.values[i]));
  }
  return worst;
}

const masksOf = (weights: CheckpointTensor[]) =>
  weights.filter((t) => /\/(mask|stage|count)$/.test(t.name)).map((t) => ({ name: t.name, values: Array.from(t.values) }));

describe('shardSizes', () => {
  it('splits as torch.chunk does', () => {
    expect(shardSizes(64, 2)).toEqual([32, 32]);
    expect(shardSizes(7, 2)).toEqual([4, 3]);
    expect(shardSizes(5, 4)).toEqual([2, 2, 1]);
    expect(shardSizes(1, 2)).toEqual([1]);
  });
});

describe('DataParallel', () => {
  const engines: DataParallel[] = [];
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.dispose()));
  });

  it('takes the step a single thread takes on the same shards, and keeps the replica equal to the main model', async () => {
    const [main, check, dispose] = await twins();
    const engine = await DataParallel.start(main, { workers: 2, backend: 'cpu' });
    engines.push(engine);
    const sgdMain = new Sgd(sgdOptions);
    const sgdCheck = new Sgd(sgdOptions);
    let tensorsAfterFirst = 0;
    // Uneven shards (4 + 3) weigh by size; progress 0.2 and 0.4 condense (C = 4) mid-run.
    const progress = [0.05, 0.1, 0.2, 0.3, 0.4];
    for (const [step, p] of progress.entries()) {
      await main.setProgress(p);
      await check.setProgress(p);
      const batch = batchOf(7, step + 1);
      const got = await engine.step(sgdMain, batch, 0.1, LAMBDA);
      const expected = referenceStep(check, sgdCheck, batch, 0.1);
      expect(got.loss, `step ${step} loss`).toBeCloseTo(expected, 5);
      expect(maxDifference(await main.exportWeights(), await check.exportWeights()), `step ${step} weights`).toBeLessThan(1e-5);
      // The first step creates the momentum buffers; after it the count must not move.
      if (step === 0) tensorsAfterFirst = tf.memory().numTensors;
      else expect(tf.memory().numTensors, `step ${step} tensors`).toBe(tensorsAfterFirst);
    }
    expect(main.condensations).toBeGreaterThan(0);
    expect(masksOf(await main.exportWeights())).toEqual(masksOf(await check.exportWeights()));

    const [replica] = await engine.replicaWeights();
    const own = await main.exportWeights();
    expect(maxDifference(replica, own)).toBe(0);
    expect(masksOf(replica)).toEqual(masksOf(own));
    await engine.dispose();
    sgdMain.dispose();
    sgdCheck.dispose();
    dispose();
  }, 60_000);

  it('copies masks to every replica whenever condensation changes them', async () => {
    const model = buildCondenseNet(config);
    const main = trainableFromLayersModel(model);
    const engine = await DataParallel.start(main, { workers: 3, backend: 'cpu' });
    engines.push(engine);
    const sgd = new Sgd(sgdOptions);
    const seen = new Set<number>();
    for (let step = 0; step < 8; step++) {
      await main.setProgress(step / 8);
      await engine.step(sgd, batchOf(6, step + 11), 0.1, 0);
      seen.add(main.condensations);
      const own = masksOf(await main.exportWeights());
      for (const replica of await engine.replicaWeights()) expect(masksOf(replica)).toEqual(own);
    }
    expect(seen.size).toBeGreaterThan(2);
    await engine.dispose();
    sgd.dispose();
    model.dispose();
  }, 60_000);

  it("predicts what the main model predicts in inference mode, its running statistics included", async () => {
    const model = buildCondenseNet(config);
    const main = trainableFromLayersModel(model);
    const engine = await DataParallel.start(main, { workers: 3, backend: 'cpu' });
    engines.push(engine);
    const sgd = new Sgd(sgdOptions);
    // Training steps move the main model's running statistics, which steps never send to replicas.
    for (let step = 0; step < 3; step++) {
      await main.setProgress(0.3);
      await engine.step(sgd, batchOf(6, step + 21), 0.1, 0);
    }
    const batch = batchOf(7, 31);
    const expected = tf.tidy(() => main.forward(tf.tensor4d(batch.images, batch.shape), false).dataSync());
    const before = tf.memory().numTensors;
    const predict = await engine.predictor();
    const got = await predict({ ...batch, size: 7, indices: new Int32Array(7) });
    expect(tf.memory().numTensors).toBe(before);
    expect(got.length).toBe(expected.length);
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(expected[i], 5);
    // Training goes on after an evaluation.
    expect(Number.isFinite((await engine.step(sgd, batchOf(6, 41), 0.1, 0)).loss)).toBe(true);
    await engine.dispose();
    sgd.dispose();
    model.dispose();
  }, 60_000);

  it('uses fewer shards than workers when the batch is smaller', async () => {
    const model = buildCondenseNet(config);
    const main = trainableFromLayersModel(model);
    const engine = await DataParallel.start(main, { workers: 3, backend: 'cpu' });
    engines.push(engine);
    const sgd = new Sgd(sgdOptions);
    const step = await engine.step(sgd, batchOf(2, 5), 0.1, 0);
    expect(Number.isFinite(step.loss)).toBe(true);
    expect(step.correct).toBeLessThanOrEqual(2);
    expect(maxDifference((await engine.replicaWeights())[1], await main.exportWeights())).toBe(0);
    await engine.dispose();
    sgd.dispose();
    model.dispose();
  }, 60_000);
});

describe('DataParallel failures', () => {
  const script = (body: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'replica-')), 'worker.mjs');
    writeFileSync(file, `import { parentPort } from 'node:worker_threads';\n${body}\n`);
    return pathToFileURL(file);
  };

  it('rejects with the replica error when the replica cannot mirror the model', async () => {
    const model = softmaxModel(8 * 8 * 3, 3);
    await expect(DataParallel.start(model, { workers: 2, backend: 'cpu' })).rejects.toThrow(
      /^data-parallel worker 1: the replica has \d+ parameters, the main model 2$/,
    );
    model.dispose();
  }, 30_000);

  it('rejects when a worker throws or exits, instead of waiting for it', async () => {
    await expect(
      DataParallel.start(softmaxModel(4, 2), { workers: 2, backend: 'cpu', entry: script(`parentPort.on('message', () => { throw new Error('boom'); });`) }),
    ).rejects.toThrow('data-parallel worker 1 failed: boom');
    await expect(
      DataParallel.start(softmaxModel(4, 2), { workers: 2, backend: 'cpu', entry: script(`parentPort.on('message', () => process.exit(3));`) }),
    ).rejects.toThrow('data-parallel worker 1 exited unexpectedly (code 3)');
  }, 30_000);

  it('rejects a step whose worker dies mid-step, and leaks no tensors on the main side', async () => {
    const model = buildCondenseNet(config);
    const main = trainableFromLayersModel(model);
    const entry = script(`parentPort.on('message', (m) => m.type === 'init' ? parentPort.postMessage({ type: 'ready' }) : process.exit(5));`);
    const engine = await DataParallel.start(main, { workers: 2, backend: 'cpu', entry });
    const sgd = new Sgd(sgdOptions);
    const before = tf.memory().numTensors;
    await expect(engine.step(sgd, batchOf(4, 1), 0.1, 0)).rejects.toThrow('data-parallel worker 1 exited unexpectedly (code 5)');
    expect(tf.memory().numTensors).toBe(before);
    await expect(engine.step(sgd, batchOf(4, 1), 0.1, 0)).rejects.toThrow('exited unexpectedly');
    await engine.dispose();
    sgd.dispose();
    model.dispose();
  }, 30_000);
});
