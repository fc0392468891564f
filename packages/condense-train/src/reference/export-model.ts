import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlan, referenceParameters } from '@condensenet/core';
import type { CondenseNetConfig, ReferenceParameter } from '@condensenet/core';
import { encodeReferenceFile, exportCondensedOnnx, type ExportFormat, type SavedDescription } from '@condensenet/interop';
import { BN_EPSILON, condenseNetMetadata, exportReferenceStateDict, referenceParametersOf } from '@condensenet/layers';
import { ARTIFACT_MANIFEST_FILE, type CondensedModel } from '@condensenet/runtime';
import { loadArtifactFromFile } from '@condensenet/runtime/node';
import { writeFileAtomic } from '@condensenet/core/node';
import { datasetOf } from '../run/dataset-metadata.js';
import { runtimeModelOf } from '../run/runtime-artifact.js';
import { loadSavedModel } from '../run/saved-model.js';

export interface ExportOptions {
  format: ExportFormat;
  /** ONNX only: the graph takes pixels in [0, 1] and normalises them itself. */
  includeNormalization?: boolean;
}

export interface ExportResult {
  file: string;
  form: 'training' | 'condensed';
  bytes: number;
  source: string;
}

/** A model in memory as the reference's state_dict plus what our tools know about its data. */
interface ReferenceModel {
  form: 'training' | 'condensed';
  config: CondenseNetConfig;
  stateDict: Map<string, { shape: number[]; data: Float32Array | Int32Array }>;
  parameters: ReferenceParameter[];
  description: SavedDescription;
  /** The runtime's view of a condensed model, which the ONNX graph is built from. */
  condensed?: CondensedModel;
  source: string;
}

/**
 * Writes a model of ours (a runtime artifact, a saved tfjs-layers model of either form, or a
 * training checkpoint) as a PyTorch zip file (`{'state_dict': ...}` under the reference's names,
 * which the authors' model classes load), as safetensors (the same state_dict, our configuration
 * in the metadata) or, condensed models only, as one ONNX graph. The file is written atomically.
 */
export async function exportModel(modelPath: string, outFile: string, options: ExportOptions): Promise<ExportResult> {
  const model = await openForExport(modelPath, options.format);
  let bytes: Uint8Array;
  if (options.format === 'onnx') {
    if (!model.condensed) {
      throw new Error(`${model.source}: ONNX export needs the condensed form; run 'condense convert' first (or pass its output directory)`);
    }
    bytes = exportCondensedOnnx(model.condensed, { includeNormalization: options.includeNormalization ?? false });
  } else {
    bytes = encodeReferenceFile(options.format, model.stateDict, model.parameters, model.description);
  }
  writeFileAtomic(outFile, [bytes]);
  return { file: outFile, form: model.form, bytes: bytes.byteLength, source: model.source };
}

async function openForExport(path: string, format: ExportFormat): Promise<ReferenceModel> {
  const artifact = artifactPath(path, format);
  if (artifact) return fromArtifact(await loadArtifactFromFile(artifact), artifact);
  const loaded = await loadSavedModel(path);
  try {
    const meta = condenseNetMetadata(loaded.model);
    const dataset = datasetOf(loaded.model);
    const condensed = meta.form === 'condensed' && meta.condensingLinear ? runtimeModelOf(loaded.model) : undefined;
    const parameters = referenceParametersOf(loaded.model);
    return {
      form: meta.form,
      config: meta.config,
      stateDict: exportReferenceStateDict(loaded.model),
      parameters,
      description: {
        config: meta.config,
        form: meta.form,
        ...(dataset ? { dataset: dataset.name, classes: [...dataset.classNames], normalization: { mean: [...dataset.mean], std: [...dataset.std] } } : {}),
      },
      ...(condensed ? { condensed } : {}),
      source: loaded.source,
    };
  } finally {
    loaded.model.dispose();
  }
}

/**
 * The artifact to export from: a manifest named directly, or one inside the directory — always
 * for ONNX (which needs the condensed form), otherwise only when no layers model or checkpoint
 * is there to say more (the training form, or the full classifier).
 */
function artifactPath(path: string, format: ExportFormat): string | undefined {
  if (!existsSync(path)) throw new Error(`${path}: no such file or directory`);
  if (!statSync(path).isDirectory()) return path.endsWith('.cnn.json') ? path : undefined;
  for (const dir of format === 'onnx' ? [path, join(path, 'condensed')] : [path]) {
    const manifest = join(dir, ARTIFACT_MANIFEST_FILE);
    const other = existsSync(join(dir, 'model.json')) || existsSync(join(dir, 'last.ckpt'));
    if (existsSync(manifest) && (format === 'onnx' || !other)) return manifest;
  }
  return undefined;
}

function fromArtifact(model: CondensedModel, source: string): ReferenceModel {
  const parameters = referenceParameters(buildPlan(model.config), 'condensed');
  const stateDict = new Map<string, { shape: number[]; data: Float32Array | Int32Array }>();
  for (const p of parameters) {
    // A fresh module's counter, as the reference's convert_model leaves it.
    const data = p.role === 'bn-num-batches' ? new Int32Array(1) : model.tensors.get(p.name);
    if (!data) throw new Error(`${source}: the artifact lacks ${p.name}`);
    stateDict.set(p.name, { shape: p.shape, data });
  }
  if (model.batchNormEpsilon !== BN_EPSILON) {
    throw new Error(`${source}: BatchNorm epsilon ${model.batchNormEpsilon}; the reference's modules use ${BN_EPSILON}`);
  }
  return {
    form: 'condensed',
    config: model.config,
    stateDict,
    parameters,
    description: { config: model.config, form: 'condensed', classes: [...model.classes], normalization: model.normalization },
    condensed: model,
    source,
  };
}
