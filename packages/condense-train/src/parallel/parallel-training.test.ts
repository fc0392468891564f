import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { geometryForInput, resolveConfig } from '@condensenet/core';
import { buildCondenseNet } from '@condensenet/layers';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '@condensenet/golden-fixtures';
import type { Dataset } from '../data/dataset.js';
import { memorySplit } from '../data/split.js';
import { trainableFromLayersModel } from '../model/layers-model.js';
import { REFERENCE_TRAIN_OPTIONS } from '../training/options.js';
import type { TrainOptions } from '../training/options.js';
import { train } from '../training/trainer.js';

const config = resolveConfig({ stages: [1, 1], growth: [4, 8], ...geometryForInput(8, 2), inputSize: 8, inputChannels: 3, numClasses: 2 });

const dataset: Dataset = {
  name: 'toy',
  numClasses: 2,
  classNames: ['dark', 'bright'],
  height: 8,
  width: 8,
  channels: 3,
  mean: [0.5, 0.5, 0.5],
  std: [0.25, 0.25, 0.25],
  trainSize: 48,
  testSize: 16,
};

function toyData(n: number, seed: number) {
  const pixels = 8 * 8 * 3;
  const images = new Uint8Array(n * pixels);
  const labels = new Int32Array(n);
  const rand = seededRandom(seed);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < pixels; p++) images[i * pixels + p] = Math.floor((labels[i] ? 140 : 60) + rand() * 80);
  }
  return memorySplit(images, labels, 8, 8, 3);
}

const data = { dataset, train: toyData(48, 1), test: toyData(16, 2) };
const quiet = { write: () => {}, interactive: false };

function options(extra: Partial<TrainOptions>): TrainOptions {
  return {
    ...REFERENCE_TRAIN_OPTIONS,
    epochs: 2,
    batchSize: 12,
    lr: 0.05,
    evalBatchSize: 16,
    groupLassoLambda: 1e-4,
    augmentation: { padding: 1, flip: true },
    outDir: mkdtempSync(join(tmpdir(), 'parallel-train-')),
    ...extra,
  };
}

function model() {
  const layers = buildCondenseNet(config);
  return { layers, trainable: trainableFromLayersModel(layers) };
}

describe('train with workers', () => {
  it('resumes a parallel run to exactly the weights of an uninterrupted one', async () => {
    await tf.setBackend('cpu');
    const straight = model();
    const init = await straight.trainable.exportWeights();
    const done = await train(straight.trainable, data, options({ workers: 2 }), quiet);
    expect(done.status).toBe('finished');
    expect(done.history.condensingSteps.map((s) => s.stage)).toEqual([1, 2, 3]);

    const first = model();
    first.trainable.importWeights(init);
    const resumed = options({ workers: 2, maxIterations: 3 });
    expect((await train(first.trainable, data, resumed, quiet)).status).toBe('stopped');
    const second = model();
    const finished = await train(second.trainable, data, { ...resumed, maxIterations: undefined, resume: true }, quiet);
    expect(finished.iteration).toBe(8);

    const weights = async (m: ReturnType<typeof model>) => (await m.trainable.exportWeights()).map((t) => [t.name, Array.from(t.values)]);
    expect(await weights(second)).toEqual(await weights(straight));
    for (const m of [straight, first, second]) m.layers.dispose();
  }, 120_000);

  it('keeps the tensor count stable and trains on wasm', async () => {
    await tf.setBackend('wasm');
    const m = model();
    await train(m.trainable, data, options({ workers: 2, epochs: 1 }), quiet);
    const before = tf.memory().numTensors;
    const result = await train(m.trainable, data, options({ workers: 2, epochs: 3 }), quiet);
    expect(tf.memory().numTensors).toBe(before);
    expect(result.history.losses.every((s) => Number.isFinite(s.loss))).toBe(true);
    m.layers.dispose();
  }, 120_000);

  it('rejects a workers count that is not a positive integer', async () => {
    const m = model();
    await expect(train(m.trainable, data, options({ workers: 0 }), quiet)).rejects.toThrow('workers must be an integer >= 1, got 0');
    m.layers.dispose();
  });
});
