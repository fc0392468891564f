import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildCondenseNet, condense, condenseNetMetadata, loadCondenseNet } from '@condensenet/layers';
import { fileHandler } from '@condensenet/layers/node';
import { ARTIFACT_MANIFEST_FILE } from '@condensenet/runtime';
import type * as tfl from '@tensorflow/tfjs-layers';
import { readCheckpoint } from '../checkpoint/checkpoint-file.js';
import type { Dataset } from '../data/dataset.js';
import { trainableFromLayersModel } from '../model/layers-model.js';
import { attachDataset, datasetOf } from './dataset-metadata.js';

export interface LoadedModel {
  model: tfl.LayersModel;
  form: 'training' | 'condensed';
  /** The data the model was trained on (normalisation, class names), when it carries it. */
  dataset?: Dataset;
  source: string;
}

/**
 * Opens what `condense train` writes: a checkpoint file (training form) or a directory holding
 * a saved model (`model.json` + `weights.bin`, either form; a run directory's `condensed/` or
 * `last.ckpt` are found too).
 */
export async function loadSavedModel(path: string): Promise<LoadedModel> {
  if (!existsSync(path)) throw new Error(`${path}: no such file or directory`);
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'model.json'))) {
      const model = await loadCondenseNet(fileHandler(path));
      return { model, form: condenseNetMetadata(model).form, dataset: datasetOf(model), source: join(path, 'model.json') };
    }
    if (existsSync(join(path, 'last.ckpt'))) return loadSavedModel(join(path, 'last.ckpt'));
    throw new Error(`${path}: holds neither model.json, last.ckpt nor a runtime artifact (model.cnn.json)`);
  }
  const checkpoint = readCheckpoint(path);
  const model = buildCondenseNet(checkpoint.config);
  trainableFromLayersModel(model).importWeights(checkpoint.weights);
  const dataset = (checkpoint.training as { dataset?: Dataset }).dataset;
  if (dataset) attachDataset(model, dataset);
  return { model, form: 'training', dataset, source: path };
}

/**
 * The runtime artifact's manifest when `path` names one (a `.cnn.json` file, or a directory
 * holding `model.cnn.json` but nothing `loadSavedModel` opens); undefined otherwise.
 */
export function runtimeArtifactAt(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  if (!statSync(path).isDirectory()) return path.endsWith('.cnn.json') ? path : undefined;
  if (existsSync(join(path, 'model.json')) || existsSync(join(path, 'last.ckpt'))) return undefined;
  return existsSync(join(path, ARTIFACT_MANIFEST_FILE)) ? join(path, ARTIFACT_MANIFEST_FILE) : undefined;
}

export interface ConvertResult {
  outDir: string;
  model: tfl.LayersModel;
}

/**
 * The reference's convert_model on a checkpoint: refuses layers short of their last condensing
 * stage (the index would keep the wrong channels), writes the condensed model with its data
 * description.
 */
export async function convertCheckpoint(
  path: string,
  outDir: string,
  options: { condensingLinear?: boolean } = {},
): Promise<ConvertResult> {
  const loaded = await loadSavedModel(path);
  if (loaded.form !== 'training') throw new Error(`${loaded.source}: already condensed`);
  let model: tfl.LayersModel;
  try {
    model = condense(loaded.model, { condensingLinear: options.condensingLinear ?? true });
  } catch (e) {
    throw new Error(`${loaded.source}: ${(e as Error).message}`);
  } finally {
    loaded.model.dispose();
  }
  if (loaded.dataset) attachDataset(model, loaded.dataset);
  await model.save(fileHandler(outDir));
  return { outDir, model };
}
