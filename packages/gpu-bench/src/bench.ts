import { seededRandom } from '@condensenet/golden-fixtures';
import { targetStage } from '@condensenet/core';
import { buildCondenseNet } from '@condensenet/layers';
import { createSession } from '@condensenet/runtime';
import { Sgd, trainableFromLayersModel, trainStep } from '@condensenet/train';
import * as tf from '@tensorflow/tfjs-core';
import { modelConfig, randomArtifact } from './models.js';

export interface BenchOptions {
  /** Inference rows as model:batch,batch (see MODELS). */
  inference: { model: string; batches: number[] }[];
  /** Training rows: model, batch, and the condensing stages to time (0 dense .. C - 1 final). */
  training: { model: string; batch: number; stages: number[] }[];
  /** Timed repetitions per row, after one untimed warm-up. */
  rounds: number;
  /** Largest |webgpu - cpu| logit difference, relative to the largest |logit|, that passes. */
  tolerance: number;
  log?: (line: string) => void;
  /** Filled in as rows finish, so a run that fails part-way still reports what it measured. */
  partial?: Partial<BenchResult>;
}

export interface InferenceRow {
  model: string;
  batch: number;
  path: string;
  imagesPerSecond: number;
  msPerBatch: number[];
}

export interface CorrectnessRow {
  model: string;
  batch: number;
  path: string;
  maxAbsLogit: number;
  maxAbsDiff: number;
  ok: boolean;
}

export interface TrainingRow {
  model: string;
  batch: number;
  stage: number;
  progress: number;
  imagesPerSecond: number;
  msPerStep: number[];
  loss: number;
}

export interface BenchResult {
  correctness: CorrectnessRow[];
  inference: InferenceRow[];
  training: TrainingRow[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, digits: number) => +x.toFixed(digits);

function images(count: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: count }, () => rand());
}

/**
 * Everything on the active webgpu backend: per inference model, logits against the cpu path
 * on the same artifact (a wrong program misses by far more than float32 summation order), then
 * images/s per batch; per training model, images/s of whole SGD steps at each stage asked for.
 */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => {});
  const result: BenchResult = { correctness: [], inference: [], training: [] };
  if (options.partial) Object.assign(options.partial, result);
  for (const row of options.inference) {
    const config = modelConfig(row.model);
    const artifact = await randomArtifact(config);
    const perImage = config.inputSize * config.inputSize * config.inputChannels;
    const checkBatch = config.inputSize > 64 ? 1 : 2;
    const checkImages = images(checkBatch * perImage, 3);
    const cpu = await createSession(artifact, { backend: 'cpu' });
    const expected = await cpu.run(checkImages, checkBatch);
    cpu.dispose();
    const gpu = await createSession(artifact, { backend: 'webgpu' });
    const actual = await gpu.run(checkImages, checkBatch);
    const maxAbsLogit = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const maxAbsDiff = actual.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i])), 0);
    const check = { model: row.model, batch: checkBatch, path: gpu.path, maxAbsLogit: round(maxAbsLogit, 4), maxAbsDiff, ok: maxAbsDiff <= options.tolerance * Math.max(1, maxAbsLogit) };
    result.correctness.push(check);
    log(`correctness ${JSON.stringify(check)}`);
    for (const batch of row.batches) {
      const input = images(batch * perImage, 5);
      await gpu.run(input, batch);
      const ms: number[] = [];
      for (let r = 0; r < options.rounds; r++) {
        const t0 = performance.now();
        await gpu.run(input, batch);
        ms.push(performance.now() - t0);
      }
      const timed = { model: row.model, batch, path: gpu.path, imagesPerSecond: round((1000 * batch) / median(ms), 1), msPerBatch: ms.map((t) => round(t, 1)) };
      result.inference.push(timed);
      log(`inference ${JSON.stringify(timed)}`);
    }
    gpu.dispose();
  }
  for (const row of options.training) await trainingRows(row, options.rounds, log, result.training);
  return result;
}

/** Progress inside each stage of the reference's schedule: stage s from s / (2 (C - 1)), the last from 1/2. */
function progressInStage(stage: number, condenseFactor: number): number {
  return Math.min(0.75, (stage + 0.5) / (2 * (condenseFactor - 1)));
}

async function trainingRows(row: BenchOptions['training'][number], rounds: number, log: (line: string) => void, rows: TrainingRow[]): Promise<void> {
  const config = modelConfig(row.model);
  const model = trainableFromLayersModel(buildCondenseNet(config, { seed: 1 }));
  const sgd = new Sgd();
  const shape: [number, number, number, number] = [row.batch, config.inputSize, config.inputSize, config.inputChannels];
  const x = tf.tensor4d(images(shape.reduce((a, b) => a * b, 1), 7), shape);
  const labels = tf.tensor1d(Int32Array.from({ length: row.batch }, (_, i) => i % config.numClasses), 'int32');
  const step = () => trainStep(model, sgd, { images: x, labels, learningRate: 0.01, groupLassoLambda: 1e-5 });
  let reached = 0;
  for (const stage of row.stages) {
    const progress = progressInStage(stage, config.condenseFactor);
    // A prune that jumps several stages drops only one stage's connections (as the reference's),
    // so go through every stage on the way, as a run does, stepping until each layer has reached
    // it (not timed).
    for (; reached <= stage; reached++) {
      const p = progressInStage(reached, config.condenseFactor);
      while ((await model.setProgress(p)) < targetStage(p, config.condenseFactor)) await step();
    }
    await step();
    const ms: number[] = [];
    let loss = Number.NaN;
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      loss = (await step()).loss;
      ms.push(performance.now() - t0);
    }
    const timed = { model: row.model, batch: row.batch, stage, progress: round(progress, 3), imagesPerSecond: round((1000 * row.batch) / median(ms), 1), msPerStep: ms.map((t) => round(t, 1)), loss: round(loss, 4) };
    rows.push(timed);
    log(`training ${JSON.stringify(timed)}`);
  }
  tf.dispose([x, labels]);
  sgd.dispose();
}
