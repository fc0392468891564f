import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { buildPlan, countCost, geometryForInput, resolveConfig } from '@condensenet/core';
import type { CondenseNetConfig, CondenseNetConfigInput } from '@condensenet/core';
import { buildCondenseNet, condense } from '@condensenet/layers';
import { fileHandler } from '@condensenet/layers/node';
import { createSession, type CondensedModel } from '@condensenet/runtime';
import { loadKernelsFromFile, saveArtifactToDirectory } from '@condensenet/runtime/node';
import type * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../backend/select-backend.js';
import type { BackendChoice, SelectedBackend } from '../backend/select-backend.js';
import { defaultAugmentation } from '../data/default-augmentation.js';
import type { Dataset, Split } from '../data/dataset.js';
import { loadDataset } from '../data/load.js';
import type { LoadOptions } from '../data/load.js';
import { Rng } from '../data/rng.js';
import { subsetSplit } from '../data/split.js';
import { trainableFromLayersModel } from '../model/layers-model.js';
import { evaluate, tensorPredictor } from '../training/evaluate.js';
import type { Evaluation } from '../training/evaluate.js';
import { REFERENCE_TRAIN_OPTIONS } from '../training/options.js';
import type { TrainOptions } from '../training/options.js';
import { CHECKPOINT_FILE, train } from '../training/trainer.js';
import { readCheckpoint } from '../checkpoint/checkpoint-file.js';
import type { TrainHooks, TrainResult } from '../training/trainer.js';
import { attachDataset } from './dataset-metadata.js';
import { runtimeModelOf } from './runtime-artifact.js';
import { defaultWorkers } from './default-workers.js';

/**
 * The architecture without its input geometry, which comes from the data set; `stemStride`
 * (default: 2 above 64x64 inputs, else 1) may be chosen, and the final pool follows from it.
 */
export type ModelChoice = Omit<CondenseNetConfigInput, 'data' | 'inputSize' | 'inputChannels' | 'poolSize' | 'numClasses'>;

export interface RunTrainingOptions {
  /** 'fashion-mnist', 'mnist', 'cifar10:PATH', 'cifar100:PATH' or 'folder:DIR' (see loadDataset). */
  data: string;
  /** Omitted when resuming: the checkpoint's own configuration is used (it must fit the data). */
  model?: ModelChoice;
  /** `workers: 'auto'` picks the data-parallel threads for the backend (see defaultWorkers). */
  train: Partial<Omit<TrainOptions, 'outDir' | 'workers'>> & { outDir: string; workers?: number | 'auto' };
  backend?: BackendChoice;
  load?: LoadOptions;
  /** Use only the first N training images (quick experiments, tests). */
  trainLimit?: number;
  testLimit?: number;
  hooks?: TrainHooks;
}

export interface FormReport {
  evaluation: Evaluation;
  flops: number;
  params: number;
}

export interface RunTrainingResult {
  backend: SelectedBackend;
  /** Data-parallel threads the run used (1: no worker threads). */
  workers: number;
  dataset: Dataset;
  config: CondenseNetConfig;
  result: TrainResult;
  training?: FormReport;
  condensed?: FormReport;
  model: tfl.LayersModel;
  condensedModel?: tfl.LayersModel;
  /**
   * Directory of the saved condensed model (tfjs model.json + weights.bin) and its runtime
   * artifact (model.cnn.json + model.cnn.bin).
   */
  condensedDir?: string;
  seconds: number;
}


/**
 * The whole job: pick the backend, open the data, size the network to the images, train with
 * the reference's recipe, then condense and evaluate both forms on the held-out split.
 */
export async function runTraining(options: RunTrainingOptions): Promise<RunTrainingResult> {
  const started = performance.now();
  const backend = await selectBackend(options.backend ?? 'auto');
  const source = await loadDataset(options.data, options.load);
  const { dataset } = source;
  const trainSplit = seededSubset(await source.split('train'), options.trainLimit);
  const testSplit = seededSubset(await source.split('test'), options.testLimit);
  if (dataset.height !== dataset.width) {
    throw new Error(`${options.data}: images are ${dataset.height}x${dataset.width}; CondenseNet needs square inputs`);
  }
  const config = options.model
    ? resolveConfig({
        ...options.model,
        ...geometryForInput(dataset.height, options.model.stages.length, options.model.stemStride),
        inputSize: dataset.height,
        inputChannels: dataset.channels,
        numClasses: dataset.numClasses,
      } as CondenseNetConfigInput)
    : checkpointConfigFor(options, dataset);

  const { workers, ...chosen } = options.train;
  const batchSize = chosen.batchSize ?? REFERENCE_TRAIN_OPTIONS.batchSize;
  const trainOptions: TrainOptions = {
    ...REFERENCE_TRAIN_OPTIONS,
    augmentation: defaultAugmentation(dataset),
    ...chosen,
    workers: workers === 'auto' ? defaultWorkers(backend.name, batchSize) : workers,
  };
  const model = buildCondenseNet(config, { seed: trainOptions.seed });
  const write = options.hooks?.write ?? ((text: string) => process.stderr.write(text));
  const threads = (trainOptions.workers ?? 1) > 1 ? `, ${trainOptions.workers} threads (data-parallel)` : '';
  write(
    `backend ${backend.name}${threads}; ${dataset.name}: ${trainSplit.size} training / ${testSplit.size} test images; ` +
      `stages ${config.stages.join('-')}, growth ${config.growth.join('-')}, ${trainOptions.epochs} epoch${trainOptions.epochs === 1 ? '' : 's'}\n`,
  );
  const result = await train(trainableFromLayersModel(model), { dataset, train: trainSplit, test: testSplit }, trainOptions, options.hooks);
  if (result.status !== 'finished') {
    return { backend, workers: trainOptions.workers ?? 1, dataset, config, result, model, seconds: (performance.now() - started) / 1000 };
  }

  const plan = buildPlan(config);
  const evalOptions = { batchSize: trainOptions.evalBatchSize, mean: dataset.mean, std: dataset.std };
  // The last epoch's evaluation was of these very weights, on this split.
  const trainingEvaluation =
    result.final ?? (await evaluate(tensorPredictor((x) => model.apply(x, { training: false }) as tf.Tensor2D), testSplit, evalOptions));
  const training = { evaluation: trainingEvaluation, ...costOf(plan, 'training') };
  const condensedModel = condense(model);
  attachDataset(condensedModel, dataset);
  const condensedDir = join(trainOptions.outDir, 'condensed');
  await condensedModel.save(fileHandler(condensedDir));
  // Beside the layers model, the artifact @condensenet/runtime (and `condense predict`) runs;
  // the condensed form's figures are that artifact's, computed by the runtime's session.
  const artifact = runtimeModelOf(condensedModel);
  await saveArtifactToDirectory(condensedDir, artifact);
  const condensed = { evaluation: await evaluateArtifact(artifact, testSplit, trainOptions.evalBatchSize), ...costOf(plan, 'condensed') };
  return {
    backend,
    workers: trainOptions.workers ?? 1,
    dataset,
    config,
    result,
    training,
    condensed,
    model,
    condensedModel,
    condensedDir,
    seconds: (performance.now() - started) / 1000,
  };
}


/** The configuration of the checkpoint a resumed run continues, checked against the data it gets. */
function checkpointConfigFor(options: RunTrainingOptions, dataset: Dataset): CondenseNetConfig {
  const path = join(options.train.outDir, CHECKPOINT_FILE);
  if (!options.train.resume) throw new Error('a model configuration is needed unless resuming (--resume)');
  if (!existsSync(path)) throw new Error(`--resume: no checkpoint at ${path}`);
  const { config } = readCheckpoint(path);
  const data = { inputSize: dataset.height, inputChannels: dataset.channels, numClasses: dataset.numClasses };
  const model = { inputSize: config.inputSize, inputChannels: config.inputChannels, numClasses: config.numClasses };
  if (JSON.stringify(data) !== JSON.stringify(model)) {
    throw new Error(
      `${path}: the model takes ${model.inputSize}x${model.inputSize}x${model.inputChannels} images in ${model.numClasses} classes, ` +
        `${options.data} has ${data.inputSize}x${data.inputSize}x${data.inputChannels} in ${data.numClasses}`,
    );
  }
  return config;
}

/** Top-1 / top-5 of a runtime artifact through a session on the current backend (it normalises the images itself). */
async function evaluateArtifact(artifact: CondensedModel, split: Split, batchSize: number): Promise<Evaluation> {
  const kernels = tf.getBackend() === 'wasm' ? await loadKernelsFromFile() : undefined;
  const session = await createSession(artifact, { kernels });
  try {
    const channels = artifact.config.inputChannels;
    const unit = { mean: Array<number>(channels).fill(0), std: Array<number>(channels).fill(1) };
    return await evaluate((batch) => session.run(batch.images, batch.size), split, { batchSize, ...unit });
  } finally {
    session.dispose();
  }
}

function costOf(plan: ReturnType<typeof buildPlan>, form: 'training' | 'condensed') {
  const { flops, params } = countCost(plan, form);
  return { flops, params };
}

/** A seeded random subset: the splits are stored class by class, so the first N would be one class. */
export function seededSubset(split: Split, n: number | undefined): Split {
  if (n === undefined || n >= split.size) return split;
  const order = Int32Array.from({ length: split.size }, (_, i) => i);
  Rng.fromSeed(LIMIT_SEED).shuffle(order);
  return subsetSplit(split, order.slice(0, n));
}

const LIMIT_SEED = 7;

export function defaultOutDir(data: string): string {
  return join('runs', data.replace(/[^a-z0-9-]+/gi, '-').replace(/^-|-$/g, ''));
}
