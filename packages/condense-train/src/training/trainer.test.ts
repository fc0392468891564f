import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@condensenet/golden-fixtures';
import { readCheckpoint } from '../checkpoint/checkpoint-file.js';
import type { Dataset } from '../data/dataset.js';
import { memorySplit } from '../data/split.js';
import { softmaxModel } from '../test-support/softmax-model.js';
import { REFERENCE_TRAIN_OPTIONS } from './options.js';
import type { TrainOptions } from './options.js';
import { train } from './trainer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Two classes that differ in brightness, so a linear model learns them in a few steps. */
function toyData(n: number, seed: number) {
  const size = 4;
  const images = new Uint8Array(n * size * size);
  const labels = new Int32Array(n);
  const rand = seededRandom(seed);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < size * size; p++) images[i * size * size + p] = Math.floor((labels[i] ? 140 : 60) + rand() * 80);
  }
  return memorySplit(images, labels, size, size, 1);
}

const dataset: Dataset = {
  name: 'toy',
  numClasses: 2,
  classNames: ['dark', 'bright'],
  height: 4,
  width: 4,
  channels: 1,
  mean: [0.5],
  std: [0.25],
  trainSize: 64,
  testSize: 32,
};

function options(outDir: string, extra: Partial<TrainOptions> = {}): TrainOptions {
  return { ...REFERENCE_TRAIN_OPTIONS, epochs: 4, batchSize: 8, lr: 0.05, evalBatchSize: 16, outDir, ...extra };
}

const quiet = { write: () => {}, interactive: false };

describe('train', () => {
  it('learns, logs every epoch, checkpoints and draws the learning curve', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'train-'));
    const data = { dataset, train: toyData(64, 1), test: toyData(32, 2) };
    const model = softmaxModel(16, 2);
    const result = await train(model, data, options(outDir, { groupLassoLambda: 1e-3 }), quiet);
    expect(result.status).toBe('finished');
    expect(result.iteration).toBe(32);
    expect(result.final!.top1).toBeGreaterThan(0.9);
    const lines = readFileSync(join(outDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3, 4]);
    expect(lines[3].testTop5).toBe(1);
    expect(lines[0].learningRate).toBeLessThan(0.05);
    // C = 4: three condensing steps, all in the first half of training.
    expect(result.history.condensingSteps.map((s) => s.stage)).toEqual([1, 2, 3]);
    expect(result.history.condensingSteps.every((s) => s.epoch <= 2)).toBe(true);
    // 8 iterations an epoch, stages 1..3 reached in the first two epochs: every epoch's images are
    // split over the stages it ran, and the last two ran at stage 3 only.
    for (const line of lines) expect(Object.values(line.imagesPerSecondByStage).every((r) => typeof r === 'number' && r > 0)).toBe(true);
    expect(Object.keys(lines[0].imagesPerSecondByStage).length + Object.keys(lines[1].imagesPerSecondByStage).length).toBeGreaterThan(2);
    expect(Object.keys(lines[3].imagesPerSecondByStage)).toEqual(['3']);
    expect(existsSync(result.files.curve!)).toBe(true);
    expect(readCheckpoint(result.files.checkpoint).training).toMatchObject({ epoch: 4, iteration: 32 });
    model.dispose();
  });

  it('resumes to exactly the weights of an uninterrupted run', async () => {
    const data = { dataset, train: toyData(64, 1), test: toyData(32, 2) };
    const augmentation = { padding: 1, flip: true };

    const straightDir = mkdtempSync(join(tmpdir(), 'train-'));
    const straight = softmaxModel(16, 2, 7);
    await train(straight, data, options(straightDir, { epochs: 2, augmentation }), quiet);

    const resumedDir = mkdtempSync(join(tmpdir(), 'train-'));
    const first = softmaxModel(16, 2, 7);
    const stopped = await train(first, data, options(resumedDir, { epochs: 2, augmentation, maxIterations: 11 }), quiet);
    expect(stopped.status).toBe('stopped');
    first.dispose();
    const second = softmaxModel(16, 2, 99);
    const done = await train(second, data, options(resumedDir, { epochs: 2, augmentation, resume: true }), quiet);
    expect(done.iteration).toBe(16);

    const weights = async (m: typeof straight) => (await m.exportWeights()).map((t) => Array.from(t.values));
    expect(await weights(second)).toEqual(await weights(straight));
    expect(readFileSync(join(resumedDir, 'log.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    for (const m of [straight, second]) m.dispose();
  });

  it('keeps the tensor count stable across training steps', async () => {
    const data = { dataset, train: toyData(64, 1), test: toyData(32, 2) };
    const model = softmaxModel(16, 2, 3);
    const outDir = mkdtempSync(join(tmpdir(), 'train-'));
    await train(model, data, options(outDir, { epochs: 1 }), quiet);
    const before = tf.memory().numTensors;
    await train(model, data, options(mkdtempSync(join(tmpdir(), 'train-')), { epochs: 3 }), quiet);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('refuses to resume without a checkpoint or with another model', async () => {
    const data = { dataset, train: toyData(16, 1), test: toyData(8, 2) };
    const outDir = mkdtempSync(join(tmpdir(), 'train-'));
    await expect(train(softmaxModel(16, 2), data, options(outDir, { resume: true }), quiet)).rejects.toThrow(
      `--resume: no checkpoint at ${join(outDir, 'last.ckpt')}`,
    );
    await train(softmaxModel(16, 2), data, options(outDir, { epochs: 1 }), quiet);
    await expect(train(softmaxModel(16, 3), data, options(outDir, { resume: true }), quiet)).rejects.toThrow(
      /its model configuration differs/,
    );
  });
});
