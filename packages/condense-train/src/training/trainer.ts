import { existsSync, mkdirSync } from 'node:fs';
import { writeFileAtomic } from '@condensenet/core/node';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { cosineLearningRateAt, trainingProgress } from '@condensenet/core';
import { readCheckpoint, writeCheckpoint } from '../checkpoint/checkpoint-file.js';
import type { BackendName } from '../backend/select-backend.js';
import { BatchIterator } from '../data/batches.js';
import type { BatchIteratorState } from '../data/batches.js';
import type { Dataset, Split } from '../data/dataset.js';
import { Sgd } from '../optim/sgd.js';
import { DataParallel } from '../parallel/data-parallel.js';
import { type CurvePoint, renderLearningCurve } from '../report/learning-curve.js';
import { ProgressBar } from '../report/progress-bar.js';
import { evaluate, tensorPredictor } from './evaluate.js';
import type { Evaluation } from './evaluate.js';
import { emptyHistory } from './history.js';
import type { CondensingStep, EpochRecord, TrainingHistory } from './history.js';
import type { TrainOptions } from './options.js';
import { trainStep } from './train-step.js';
import type { StepResult } from './train-step.js';
import type { TrainableModel } from './trainable-model.js';

export interface TrainData {
  dataset: Dataset;
  train: Split;
  test: Split;
}

export interface TrainHooks {
  /** Progress bar and messages; defaults to stderr. */
  write?: (text: string) => void;
  interactive?: boolean;
  /** Resolves true when the run should stop at the next iteration (Ctrl-C). */
  shouldStop?: () => boolean;
}

export interface TrainResult {
  status: 'finished' | 'stopped';
  iteration: number;
  history: TrainingHistory;
  final?: Evaluation;
  files: { checkpoint: string; log: string; curve?: string };
}

/** Where a run is, saved in every checkpoint so `resume` continues exactly. */
interface RunState {
  epoch: number;
  batchInEpoch: number;
  iteration: number;
  iterator: BatchIteratorState;
  history: TrainingHistory;
  options: TrainOptions;
  dataset: Dataset;
}

export const CHECKPOINT_FILE = 'last.ckpt';
export const LOG_FILE = 'log.jsonl';
export const CURVE_FILE = 'learning-curve.png';

/**
 * The reference's training loop: per iteration the progress goes to the model (which condenses
 * on schedule), the cosine learning rate is set, and one SGD step runs on CE + lambda * lasso;
 * after every epoch the test split is evaluated (top-1, top-5), a JSON line is logged and a
 * checkpoint written atomically. A stop request checkpoints mid-epoch so `resume` continues
 * with the same next batch, learning rate and random stream.
 */
export async function train(
  model: TrainableModel,
  data: TrainData,
  options: TrainOptions,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be an integer >= 1, got ${workers}`);
  mkdirSync(options.outDir, { recursive: true });
  const files = {
    checkpoint: join(options.outDir, CHECKPOINT_FILE),
    log: join(options.outDir, LOG_FILE),
  };
  const write = hooks.write ?? ((t: string) => process.stderr.write(t));
  const { dataset } = data;
  const sgd = new Sgd({ momentum: options.momentum, nesterov: options.nesterov, weightDecay: options.weightDecay });
  const iterator = new BatchIterator(data.train, {
    batchSize: options.batchSize,
    seed: options.seed,
    mean: dataset.mean,
    std: dataset.std,
    augmentation: options.augmentation,
  });
  let state: RunState = {
    epoch: 0,
    batchInEpoch: 0,
    iteration: 0,
    iterator: iterator.state(),
    history: emptyHistory(),
    options,
    dataset,
  };

  if (options.resume) {
    if (!existsSync(files.checkpoint)) throw new Error(`--resume: no checkpoint at ${files.checkpoint}`);
    const checkpoint = readCheckpoint(files.checkpoint);
    // A checkpoint imported from PyTorch (`condense import`) has no data order to continue: it
    // starts a fine-tuning run from its weights, masks and momentum.
    const saved = checkpoint.training as unknown as Omit<RunState, 'iterator'> & { iterator?: BatchIteratorState; imported?: { source: string } };
    if (JSON.stringify(checkpoint.config) !== JSON.stringify(model.config)) {
      throw new Error(`${files.checkpoint}: its model configuration differs from the one requested`);
    }
    model.importWeights(checkpoint.weights);
    sgd.loadState(checkpoint.optimizer);
    if (saved.iterator) iterator.restore(saved.iterator);
    state = { ...saved, iterator: iterator.state(), options, dataset: saved.iterator ? saved.dataset : dataset };
    write(
      saved.imported && !saved.iterator
        ? `fine-tuning ${files.checkpoint} (imported from ${saved.imported.source})\n`
        : `resumed from ${files.checkpoint} at epoch ${state.epoch + 1}, iteration ${state.iteration}\n`,
    );
  }

  const batchesPerEpoch = Math.ceil(data.train.size / options.batchSize);
  const [height, width, channels] = [data.train.height, data.train.width, data.train.channels];
  const saveCheckpoint = async () => {
    state.iterator = iterator.state();
    writeCheckpoint(files.checkpoint, {
      config: model.config,
      training: state as unknown as Record<string, unknown>,
      weights: await model.exportWeights(),
      optimizer: await sgd.state(),
    });
  };

  let stepsThisCall = 0;
  let final: Evaluation | undefined;
  let parallel: DataParallel | undefined;
  try {
    // Started after a resume has loaded the checkpoint, so the replicas copy the resumed weights.
    if (workers > 1) parallel = await DataParallel.start(model, { workers, backend: tf.getBackend() as BackendName });
    while (state.epoch < options.epochs) {
      const epoch = state.epoch;
      const bar = new ProgressBar({
        total: data.train.size,
        unit: 'img',
        label: `epoch ${epoch + 1}/${options.epochs}`,
        write,
        interactive: hooks.interactive,
      });
      bar.tick(Math.min(data.train.size, state.batchInEpoch * options.batchSize));
      const started = performance.now();
      let seen = 0;
      let lossSum = 0;
      let correct = 0;
      let lr = 0;
      // Per stage: images and seconds, each iteration's time counted from the end of the last.
      const byStage = new Map<number, { images: number; seconds: number }>();
      let iterationEnded = started;
      for (let batch = iterator.next(); batch; batch = iterator.next()) {
        const progress = trainingProgress(epoch, state.batchInEpoch, batchesPerEpoch, options.epochs);
        lr = cosineLearningRateAt(options.lr, epoch, state.batchInEpoch, batchesPerEpoch, options.epochs);
        const previousStage = lowestStage(state.history);
        const stage = await model.setProgress(progress);
        if (stage > previousStage) {
          state.history.condensingSteps.push({ epoch: epoch + state.batchInEpoch / batchesPerEpoch, stage });
        }
        const b = batch;
        let step: StepResult;
        if (parallel) {
          step = await parallel.step(sgd, b, lr, options.groupLassoLambda);
        } else {
          const images = tf.tensor4d(b.images, [b.size, height, width, channels]);
          const labels = tf.tensor1d(b.labels, 'int32');
          step = await trainStep(model, sgd, { images, labels, learningRate: lr, groupLassoLambda: options.groupLassoLambda });
          images.dispose();
          labels.dispose();
        }
        seen += b.size;
        lossSum += step.loss * b.size;
        correct += step.correct;
        state.history.losses.push({ epoch: epoch + (state.batchInEpoch + 1) / batchesPerEpoch, loss: step.loss, learningRate: lr });
        state.batchInEpoch++;
        state.iteration++;
        stepsThisCall++;
        const now = performance.now();
        const atStage = byStage.get(stage) ?? { images: 0, seconds: 0 };
        byStage.set(stage, { images: atStage.images + b.size, seconds: atStage.seconds + (now - iterationEnded) / 1000 });
        iterationEnded = now;
        bar.tick(b.size, { loss: step.loss, lr, stage: `${stage}/${model.config.condenseFactor - 1}` });
        await yieldToEventLoop();
        if (hooks.shouldStop?.() || (options.maxIterations !== undefined && stepsThisCall >= options.maxIterations)) {
          await saveCheckpoint();
          write(`\nstopped at epoch ${epoch + 1}, iteration ${state.iteration}; checkpoint ${files.checkpoint}\n`);
          return { status: 'stopped', iteration: state.iteration, history: state.history, files };
        }
      }
      const seconds = (performance.now() - started) / 1000;
      const predict = parallel ? await parallel.predictor() : tensorPredictor((x) => model.forward(x, false));
      const test = await evaluate(predict, data.test, {
        batchSize: options.evalBatchSize,
        mean: dataset.mean,
        std: dataset.std,
      });
      const record: EpochRecord = {
        epoch: epoch + 1,
        iterations: state.iteration,
        trainLoss: seen ? lossSum / seen : NaN,
        trainTop1: seen ? correct / seen : NaN,
        testLoss: test.loss,
        testTop1: test.top1,
        testTop5: test.top5,
        learningRate: lr,
        stage: lowestStage(state.history),
        seconds,
        imagesPerSecond: seen / seconds,
        imagesPerSecondByStage: Object.fromEntries([...byStage].map(([st, r]) => [String(st), r.images / r.seconds])),
      };
      bar.finish({ loss: record.trainLoss, 'test top-1': record.testTop1, 'top-5': record.testTop5 });
      state.history.epochs.push(record);
      state.epoch++;
      state.batchInEpoch = 0;
      await saveCheckpoint();
      // The log is rewritten from the checkpoint's history after it, so a crash between the two
      // and a resume cannot log an epoch twice.
      writeFileAtomic(files.log, [new TextEncoder().encode(state.history.epochs.map((e) => `${JSON.stringify(e)}\n`).join(''))]);
      final = test;
    }
  } finally {
    sgd.dispose();
    await parallel?.dispose();
  }

  const curve = join(options.outDir, CURVE_FILE);
  writeFileAtomic(curve, [learningCurvePng(state.history, options, dataset.name)]);
  return { status: 'finished', iteration: state.iteration, history: state.history, final, files: { ...files, curve } };
}

function lowestStage(history: TrainingHistory): number {
  return history.condensingSteps.at(-1)?.stage ?? 0;
}

function learningCurvePng(history: TrainingHistory, options: TrainOptions, name: string): Buffer {
  return renderLearningCurve({
    title: `${name}: ${options.epochs} epochs, batch ${options.batchSize}, lr ${options.lr}`,
    epochs: options.epochs,
    loss: [
      { label: 'train', points: history.losses.map((s) => ({ epoch: s.epoch, value: s.loss })) },
      { label: 'test', points: history.epochs.map((e) => ({ epoch: e.epoch, value: e.testLoss })) },
    ],
    accuracy: [
      { label: 'train top-1', points: history.epochs.map((e) => ({ epoch: e.epoch, value: 100 * e.trainTop1 })) },
      { label: 'test top-1', points: history.epochs.map((e) => ({ epoch: e.epoch, value: 100 * e.testTop1 })) },
    ],
    learningRate: history.losses.map((s) => ({ epoch: s.epoch, value: s.learningRate })),
    // Per stage within each epoch, at the middle of the stretch trained at that stage.
    throughput: history.epochs.flatMap((e) => throughputPoints(e, history.condensingSteps)),
    condensingSteps: history.condensingSteps,
  });
}

/**
 * An epoch's images/s per condensing stage, each placed in the middle of the part of the epoch
 * trained at that stage (stage changes come from the condensing steps), else at the epoch's end.
 */
function throughputPoints(record: EpochRecord, steps: CondensingStep[]): CurvePoint[] {
  const start = record.epoch - 1;
  const stretches = Object.entries(record.imagesPerSecondByStage ?? {}).map(([stage, rate]) => {
    const s = Number(stage);
    const from = Math.max(start, steps.find((c) => c.stage === s)?.epoch ?? start);
    const to = Math.min(record.epoch, steps.find((c) => c.stage > s)?.epoch ?? record.epoch);
    return { epoch: to > from ? (from + to) / 2 : record.epoch, value: rate };
  });
  return stretches.length ? stretches.sort((a, b) => a.epoch - b.epoch) : [{ epoch: record.epoch, value: record.imagesPerSecond }];
}

/** Lets signal handlers (Ctrl-C) run between synchronous training steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
