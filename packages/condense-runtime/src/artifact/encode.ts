import { checkMetadata, checkValues } from './checks.js';
import { ArtifactError } from './errors.js';
import { elementCount, expectedTensors } from './expected.js';
import { toFloat16Bits } from '@condensenet/core';
import {
  ARTIFACT_FORMAT,
  ARTIFACT_VERSION,
  type ArtifactManifest,
  type CondensedModel,
  type LayerEntry,
  type StoredDtype,
  type WeightStorage,
} from './types.js';

export interface EncodeOptions {
  /** float16 halves the file; values must fit its range (|x| <= 65504). Default float32. */
  storage?: WeightStorage;
  /** Name recorded for the weight file. Default `weights.bin`. */
  weightsFile?: string;
}

export interface EncodedArtifact {
  manifest: ArtifactManifest;
  /** The manifest as JSON text. */
  json: string;
  weights: ArrayBuffer;
}

/** Tensors start on 4-byte boundaries so int32 and float32 data can be viewed in place. */
const ALIGN = 4;

/**
 * Serialises a condensed model: checks it against the plan of its configuration (every tensor
 * present with the plan's size, finite, indices in range), then lays tensors out in network
 * order, little-endian.
 */
export function encodeArtifact(model: CondensedModel, options: EncodeOptions = {}): EncodedArtifact {
  const storage = options.storage ?? 'float32';
  if (storage !== 'float32' && storage !== 'float16') throw new ArtifactError('storage', `= ${String(storage)}, expected float32 or float16`);
  const { tensors: expected } = expectedTensors(model.config);
  checkMetadata(model.config, model.normalization, model.classes, model.batchNormEpsilon);
  const known = new Set(expected.map((t) => t.name));
  for (const name of model.tensors.keys()) {
    if (!known.has(name)) throw new ArtifactError(name, 'is not a tensor of the condensed form of this configuration');
  }

  const layers: LayerEntry[] = [];
  let offset = 0;
  const placed = expected.map((t) => {
    const data = model.tensors.get(t.name);
    const wanted = t.kind === 'int32' ? Int32Array : Float32Array;
    if (!(data instanceof wanted)) throw new ArtifactError(t.name, `missing or not a ${wanted.name}`);
    const count = elementCount(t.shape);
    if (data.length !== count) throw new ArtifactError(t.name, `has ${data.length} values, expected ${count} for shape [${t.shape.join(', ')}]`);
    checkValues(t, data);
    const dtype: StoredDtype = t.kind === 'int32' ? 'int32' : storage;
    const byteLength = count * (dtype === 'float16' ? 2 : 4);
    const entry = { name: t.name, shape: [...t.shape], dtype, offset, byteLength };
    offset = Math.ceil((offset + byteLength) / ALIGN) * ALIGN;
    if (layers.at(-1)?.name !== t.layer) layers.push({ name: t.layer, tensors: [] });
    layers.at(-1)!.tensors.push(entry);
    return { entry, data };
  });

  const weights = new ArrayBuffer(offset);
  const view = new DataView(weights);
  for (const { entry, data } of placed) {
    const at = entry.offset;
    if (entry.dtype === 'int32') {
      for (let i = 0; i < data.length; i++) view.setInt32(at + 4 * i, data[i], true);
    } else if (entry.dtype === 'float32') {
      for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i], true);
    } else {
      for (let i = 0; i < data.length; i++) {
        const bits = toFloat16Bits(data[i]);
        if ((bits & 0x7c00) === 0x7c00) throw new ArtifactError(entry.name, `entry ${i} = ${data[i]} overflows float16 storage`);
        view.setUint16(at + 2 * i, bits, true);
      }
    }
  }

  const manifest: ArtifactManifest = {
    format: ARTIFACT_FORMAT,
    version: ARTIFACT_VERSION,
    config: model.config,
    batchNormEpsilon: model.batchNormEpsilon,
    storage,
    weightsFile: options.weightsFile ?? 'weights.bin',
    weightsByteLength: weights.byteLength,
    normalization: { mean: [...model.normalization.mean], std: [...model.normalization.std] },
    classes: [...model.classes],
    layers,
  };
  return { manifest, json: JSON.stringify(manifest, null, 1), weights };
}
