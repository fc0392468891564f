import * as tf from '@tensorflow/tfjs-core';
import { condense, condenseNetMetadata } from '@condensenet/layers';
import type { BackendChoice } from '@condensenet/runtime';
import { loadModel } from '@condensenet/runtime/node';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadDataset } from '../data/load.js';
import type { LoadOptions } from '../data/load.js';
import type { Batch } from '../data/batches.js';
import type { DatasetSource, Split } from '../data/dataset.js';
import { evaluate, tensorPredictor } from '../training/evaluate.js';
import type { Evaluation } from '../training/evaluate.js';
import { seededSubset } from './run-training.js';
import { loadSavedModel, runtimeArtifactAt } from './saved-model.js';

export interface SavedEvaluation {
  source: string;
  training?: Evaluation;
  condensed?: Evaluation;
  /** Why only one form was evaluated, when that happens. */
  note?: string;
}

export interface EvaluateSavedOptions {
  batchSize?: number;
  load?: LoadOptions;
  testLimit?: number;
  /** Where a runtime artifact runs; default 'auto'. */
  backend?: BackendChoice;
}

/**
 * Top-1 / top-5 of a saved model (checkpoint, model directory or runtime artifact) on a data
 * set's test split, normalised with the statistics the model was trained with. A training-form
 * model that has finished condensing is also condensed and evaluated, so both forms are compared.
 */
export async function evaluateSaved(path: string, data: string, options: EvaluateSavedOptions = {}): Promise<SavedEvaluation> {
  const artifact = runtimeArtifactAt(path);
  if (artifact) return evaluateArtifact(artifact, data, options);
  const loaded = await loadSavedModel(path);
  const models: tfl.LayersModel[] = [loaded.model];
  try {
    const config = condenseNetMetadata(loaded.model).config;
    const { source, split } = await testSplit(loaded.source, config, data, options);
    const stats = loaded.dataset ?? source.dataset;
    const evalOptions = { batchSize: options.batchSize ?? 256, mean: stats.mean, std: stats.std };
    const run = (m: tfl.LayersModel) => evaluate(tensorPredictor((x) => m.apply(x, { training: false }) as tf.Tensor2D), split, evalOptions);
    const result: SavedEvaluation = { source: loaded.source };
    if (loaded.form === 'condensed') {
      result.condensed = await run(loaded.model);
      result.note = 'a condensed model: its training form is not in this file';
      return result;
    }
    result.training = await run(loaded.model);
    try {
      const condensed = condense(loaded.model);
      models.push(condensed);
      result.condensed = await run(condensed);
    } catch (e) {
      result.note = `not condensed: ${(e as Error).message}`;
    }
    return result;
  } finally {
    for (const m of models) m.dispose();
  }
}

/** A runtime artifact through the runtime's session: the condensed form, the only one it holds. */
async function evaluateArtifact(manifest: string, data: string, options: EvaluateSavedOptions): Promise<SavedEvaluation> {
  const model = await loadModel(manifest, { backend: options.backend ?? 'auto' });
  try {
    const geometry = { inputSize: model.inputSize, inputChannels: model.inputChannels, numClasses: model.classes.length };
    const { split } = await testSplit(manifest, geometry, data, options);
    const predict = async (batch: Batch) => {
      const x = tf.tensor4d(batch.images, [...batch.shape]);
      return (await model.predict(x).finally(() => x.dispose())).logits;
    };
    // The session applies the artifact's own normalisation, so the batches stay pixels in [0, 1].
    const pixels = { mean: Array(split.channels).fill(0), std: Array(split.channels).fill(1) };
    const condensed = await evaluate(predict, split, { batchSize: options.batchSize ?? 256, ...pixels });
    return { source: manifest, condensed, note: 'a runtime artifact: it holds the condensed form only' };
  } finally {
    model.dispose();
  }
}

/** The test split of `data`, checked against what the model takes and predicts. */
async function testSplit(
  what: string,
  model: { inputSize: number; inputChannels: number; numClasses: number },
  data: string,
  options: EvaluateSavedOptions,
): Promise<{ source: DatasetSource; split: Split }> {
  const source = await loadDataset(data, options.load);
  const split = seededSubset(await source.split('test'), options.testLimit);
  if (split.height !== model.inputSize || split.width !== model.inputSize || split.channels !== model.inputChannels) {
    throw new Error(
      `${what} expects ${model.inputSize}x${model.inputSize}x${model.inputChannels} images; ${data} has ${split.height}x${split.width}x${split.channels}`,
    );
  }
  if (source.dataset.numClasses !== model.numClasses) {
    throw new Error(`${what} predicts ${model.numClasses} classes; ${data} has ${source.dataset.numClasses}`);
  }
  return { source, split };
}
