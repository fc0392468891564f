import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { referenceClassNames, referenceNormalization } from '@condensenet/core';
import type { CondenseNetConfig, CondenseNetConfigInput, DataKind } from '@condensenet/core';
import { readReferenceFile, type ReferenceFile } from '@condensenet/interop';
import { BN_EPSILON, buildCondenseNet, condense, loadReferenceStateDict } from '@condensenet/layers';
import { fileHandler } from '@condensenet/layers/node';
import { condensedModelFromStateDict, encodeArtifact, ARTIFACT_MANIFEST_FILE, ARTIFACT_WEIGHTS_FILE } from '@condensenet/runtime';
import type * as tfl from '@tensorflow/tfjs-layers';
import { writeCheckpoint } from '../checkpoint/checkpoint-file.js';
import type { Dataset } from '../data/dataset.js';
import { writeFileAtomic } from '@condensenet/core/node';
import { attachDataset } from '../run/dataset-metadata.js';
import { runtimeModelOf } from '../run/runtime-artifact.js';
import { CHECKPOINT_FILE } from '../training/trainer.js';
import { checkpointFromReference } from './reference-checkpoint.js';

export interface ImportOptions {
  /** The input geometry and normalisation the weights cannot tell (default: guessed from the classes). */
  data?: DataKind;
  /** Class names in label order (default: the data set's, else the label numbers). */
  classes?: readonly string[];
  /** Architecture the user states; each must agree with the weights. */
  overrides?: Partial<CondenseNetConfigInput>;
  /** How each override is named in errors (the CLI's flags). */
  overrideNames?: Readonly<Record<string, string>>;
}

export interface ImportResult {
  source: string;
  /** How the file was stored and wrapped (`zip`, `legacy`, `safetensors`; `main.py checkpoint`, ...). */
  format: string;
  wrapper: string;
  form: 'training' | 'condensed';
  config: CondenseNetConfig;
  /** What was inferred from what, and what was a default. */
  notes: string[];
  /** Every file written, in order. */
  files: string[];
  /** The training form's checkpoint (`--resume` fine-tunes it). */
  checkpoint?: string;
  /** Where the condensed model went (tfjs-layers model.json and the runtime artifact). */
  condensedDir?: string;
  /** A training form whose learned group convolutions have not all reached their last stage. */
  unfinished?: string;
}

/**
 * A checkpoint of the authors' PyTorch code (any of the shapes main.py writes, zip or legacy
 * format) or a safetensors file, as files of ours in `outDir`: a converted model becomes the
 * tfjs-layers condensed model and the runtime artifact; a training form becomes a checkpoint
 * that `condense train --resume` fine-tunes, and, once fully condensed, also its condensed model
 * in `outDir/condensed`. Everything is read and checked before anything is written.
 */
export async function importCheckpoint(path: string, outDir: string, options: ImportOptions = {}): Promise<ImportResult> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const reference = readReferenceFile(bytes, path, {
    ...(options.data ? { data: options.data } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
    ...(options.overrideNames ? { overrideNames: options.overrideNames } : {}),
  });
  const dataset = datasetFor(reference, options);
  const stateDict = numericStateDict(reference, path);
  const files: string[] = [];
  const base = { source: path, format: reference.format, wrapper: reference.wrapper, form: reference.form, config: reference.config, notes: reference.notes, files };

  if (reference.form === 'condensed') {
    const model = buildCondenseNet(reference.config, { form: 'condensed' });
    try {
      loadReferenceStateDict(model, stateDict);
      attachDataset(model, dataset);
      const artifact = condensedModelFromStateDict(stateDict, {
        config: reference.config,
        normalization: dataset,
        classes: dataset.classNames,
        batchNormEpsilon: BN_EPSILON,
      });
      const encoded = encodeArtifact(artifact, { weightsFile: ARTIFACT_WEIGHTS_FILE });
      prepareOutDir(outDir);
      await model.save(fileHandler(outDir));
      files.push(join(outDir, 'model.json'), join(outDir, 'weights.bin'));
      writeFileAtomic(join(outDir, ARTIFACT_WEIGHTS_FILE), [new Uint8Array(encoded.weights)]);
      writeFileAtomic(join(outDir, ARTIFACT_MANIFEST_FILE), [new TextEncoder().encode(encoded.json)]);
      files.push(join(outDir, ARTIFACT_WEIGHTS_FILE), join(outDir, ARTIFACT_MANIFEST_FILE));
    } finally {
      model.dispose();
    }
    return { ...base, condensedDir: outDir };
  }

  const checkpoint = await checkpointFromReference({
    config: reference.config,
    stateDict,
    ...(reference.momentum ? { momentum: reference.momentum } : {}),
    imported: { source: path, ...reference.imported },
    dataset,
  });
  let condensed: tfl.LayersModel | undefined;
  if (!reference.unfinished) {
    const training = buildCondenseNet(reference.config);
    try {
      loadReferenceStateDict(training, stateDict);
      condensed = condense(training);
    } finally {
      training.dispose();
    }
    attachDataset(condensed, dataset);
  }
  try {
    prepareOutDir(outDir);
    const checkpointPath = join(outDir, CHECKPOINT_FILE);
    writeCheckpoint(checkpointPath, checkpoint);
    files.push(checkpointPath);
    if (!condensed) return { ...base, checkpoint: checkpointPath, unfinished: reference.unfinished };
    const condensedDir = join(outDir, 'condensed');
    await condensed.save(fileHandler(condensedDir));
    const encoded = encodeArtifact(runtimeModelOf(condensed), { weightsFile: ARTIFACT_WEIGHTS_FILE });
    writeFileAtomic(join(condensedDir, ARTIFACT_WEIGHTS_FILE), [new Uint8Array(encoded.weights)]);
    writeFileAtomic(join(condensedDir, ARTIFACT_MANIFEST_FILE), [new TextEncoder().encode(encoded.json)]);
    files.push(...['model.json', 'weights.bin', ARTIFACT_WEIGHTS_FILE, ARTIFACT_MANIFEST_FILE].map((f) => join(condensedDir, f)));
    return { ...base, checkpoint: checkpointPath, condensedDir };
  } finally {
    condensed?.dispose();
  }
}

/** CondenseNet holds float and integer tensors only; a byte tensor means the file is something else. */
function numericStateDict(reference: ReferenceFile, path: string): Map<string, { shape: number[]; data: Float32Array | Int32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array | Int32Array }>();
  for (const [name, tensor] of reference.stateDict) {
    if (tensor.data instanceof Uint8Array) throw new Error(`${path}: '${name}' is a ${tensor.dtype} tensor; CondenseNet has none`);
    out.set(name, { shape: tensor.shape, data: tensor.data });
  }
  return out;
}

/** Refuses to mix an import into a folder that already holds a different model's files. */
function prepareOutDir(outDir: string): void {
  if (existsSync(outDir) && readdirSync(outDir).some((f) => /^(model\.json|weights\.bin|model\.cnn\.(json|bin)|last\.ckpt)$/.test(f))) {
    throw new Error(`${outDir}: already holds a model (model.json, model.cnn.json or last.ckpt); choose an empty --out`);
  }
  mkdirSync(outDir, { recursive: true });
}

/** What the imported model expects of its inputs, as the data description our tools carry. */
function datasetFor(reference: ReferenceFile, options: ImportOptions): Dataset {
  const { config } = reference;
  const classNames = options.classes ?? reference.saved?.classes ?? referenceClassNames(config.data) ?? Array.from({ length: config.numClasses }, (_, i) => String(i));
  if (classNames.length !== config.numClasses) {
    throw new Error(`${classNames.length} class names given for a classifier of ${config.numClasses} classes`);
  }
  const normalization = reference.saved?.normalization ?? referenceNormalization(config.data);
  if (normalization.mean.length !== config.inputChannels) {
    throw new Error(`the normalisation has ${normalization.mean.length} channels, the model takes ${config.inputChannels}`);
  }
  return {
    name: reference.saved?.dataset ?? config.data,
    numClasses: config.numClasses,
    classNames: [...classNames],
    height: config.inputSize,
    width: config.inputSize,
    channels: config.inputChannels,
    mean: [...normalization.mean],
    std: [...normalization.std],
    trainSize: 0,
    testSize: 0,
  };
}
