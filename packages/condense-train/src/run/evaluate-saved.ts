import type * as tf from '@tensorflow/tfjs-core';
import { condense, condenseNetMetadata } from '@condensenet/layers';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadDataset } from '../data/load.js';
import type { LoadOptions } from '../data/load.js';
import { evaluate, tensorPredictor } from '../training/evaluate.js';
import type { Evaluation } from '../training/evaluate.js';
import { seededSubset } from './run-training.js';
import { loadSavedModel } from './saved-model.js';

export interface SavedEvaluation {
  source: string;
  training?: Evaluation;
  condensed?: Evaluation;
  /** Why only one form was evaluated, when that happens. */
  note?: string;
}

/**
 * Top-1 / top-5 of a saved model (checkpoint or model directory) on a data set's test split,
 * normalised with the statistics the model was trained with. A training-form model that has
 * finished condensing is also condensed and evaluated, so both forms are compared.
 */
export async function evaluateSaved(
  path: string,
  data: string,
  options: { batchSize?: number; load?: LoadOptions; testLimit?: number } = {},
): Promise<SavedEvaluation> {
  const loaded = await loadSavedModel(path);
  const models: tfl.LayersModel[] = [loaded.model];
  try {
    const config = condenseNetMetadata(loaded.model).config;
    const source = await loadDataset(data, options.load);
    const split = seededSubset(await source.split('test'), options.testLimit);
    if (split.height !== config.inputSize || split.width !== config.inputSize || split.channels !== config.inputChannels) {
      throw new Error(
        `${loaded.source} expects ${config.inputSize}x${config.inputSize}x${config.inputChannels} images; ` +
          `${data} has ${split.height}x${split.width}x${split.channels}`,
      );
    }
    if (source.dataset.numClasses !== config.numClasses) {
      throw new Error(`${loaded.source} predicts ${config.numClasses} classes; ${data} has ${source.dataset.numClasses}`);
    }
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
