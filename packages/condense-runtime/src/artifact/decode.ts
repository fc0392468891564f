import { resolveConfig, type CondenseNetConfig, type CondenseNetConfigInput } from '@condensenet/core';
import { checkMetadata, checkValues } from './checks.js';
import { ArtifactError } from './errors.js';
import { elementCount, expectedTensors, type ExpectedTensor } from './expected.js';
import { fromFloat16Bits } from '@condensenet/core';
import { ARTIFACT_FORMAT, ARTIFACT_VERSION, type ArtifactManifest, type CondensedModel, type TensorEntry } from './types.js';

/** The manifest as JSON text, UTF-8 bytes, or an already parsed object. */
export type ManifestSource = string | ArrayBuffer | ArrayBufferView | object;

function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function parseManifest(source: ManifestSource): unknown {
  if (typeof source !== 'string' && !(source instanceof ArrayBuffer) && !ArrayBuffer.isView(source)) return source;
  const text = typeof source === 'string' ? source : new TextDecoder().decode(bytesOf(source));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ArtifactError('manifest', `is not valid JSON (${(e as Error).message})`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field<T>(obj: Record<string, unknown>, key: string, path: string, check: (v: unknown) => v is T, expected: string): T {
  const v = obj[key];
  if (!check(v)) throw new ArtifactError(`${path}${key}`, `= ${JSON.stringify(v) ?? 'undefined'}, expected ${expected}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
/** A bare file name: the weight file always sits beside the manifest. */
const isFileName = (v: unknown): v is string => typeof v === 'string' && /^[^/\\]+$/.test(v) && v !== '.' && v !== '..';
const isByteCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Format, version and the manifest's shape; the config is re-validated by core. */
export function readManifest(source: ManifestSource): { manifest: ArtifactManifest; config: CondenseNetConfig } {
  const raw = parseManifest(source);
  if (!isRecord(raw)) throw new ArtifactError('manifest', 'expected a JSON object');
  field(raw, 'format', '', (v): v is string => v === ARTIFACT_FORMAT, `"${ARTIFACT_FORMAT}"`);
  const version = field(raw, 'version', '', (v): v is number => Number.isInteger(v), 'an integer');
  if (version !== ARTIFACT_VERSION) {
    throw new ArtifactError('version', `unknown artifact version ${version}; this runtime reads version ${ARTIFACT_VERSION}`);
  }
  const rawConfig = field(raw, 'config', '', isRecord, 'an object');
  let config: CondenseNetConfig;
  try {
    config = resolveConfig(rawConfig as unknown as CondenseNetConfigInput);
  } catch (e) {
    throw new ArtifactError('config', (e as Error).message);
  }
  field(raw, 'storage', '', (v): v is string => v === 'float32' || v === 'float16', '"float32" or "float16"');
  field(raw, 'weightsFile', '', isFileName, 'a file name without directories');
  field(raw, 'weightsByteLength', '', isByteCount, 'a byte count');
  field(raw, 'normalization', '', isRecord, 'an object with mean and std');
  field(raw, 'classes', '', isArray, 'an array of class names');
  const layers = field(raw, 'layers', '', isArray, 'an array of layers');
  layers.forEach((layer, i) => {
    const path = `layers[${i}].`;
    if (!isRecord(layer)) throw new ArtifactError(`layers[${i}]`, 'expected an object');
    field(layer, 'name', path, isString, 'a layer name');
    field(layer, 'tensors', path, isArray, 'an array of tensors').forEach((t, j) => {
      const tp = `${path}tensors[${j}].`;
      if (!isRecord(t)) throw new ArtifactError(`${path}tensors[${j}]`, 'expected an object');
      field(t, 'name', tp, isString, 'a tensor name');
      field(t, 'shape', tp, (v): v is number[] => Array.isArray(v) && v.every(isByteCount), 'an array of dimensions');
      field(t, 'dtype', tp, (v): v is string => v === 'float32' || v === 'float16' || v === 'int32', '"float32", "float16" or "int32"');
      field(t, 'offset', tp, isByteCount, 'a byte offset');
      field(t, 'byteLength', tp, isByteCount, 'a byte count');
    });
  });
  const manifest = raw as unknown as ArtifactManifest;
  checkMetadata(config, manifest.normalization, manifest.classes, raw.batchNormEpsilon);
  return { manifest, config };
}

/** The manifest must list exactly the plan's layers and tensors, in order, with the plan's shapes. */
function matchPlan(manifest: ArtifactManifest, expected: ExpectedTensor[]): TensorEntry[] {
  const listed = manifest.layers.flatMap((l) => l.tensors.map((t) => ({ layer: l.name, t })));
  const byName = new Map(listed.map((e) => [e.t.name, e]));
  for (const e of expected) {
    if (!byName.has(e.name)) throw new ArtifactError(e.name, `missing from layer ${e.layer}; the configuration's plan requires it`);
  }
  const known = new Set(expected.map((e) => e.name));
  for (const { t } of listed) {
    if (!known.has(t.name)) throw new ArtifactError(t.name, 'is not a tensor of the condensed form of this configuration');
  }
  if (listed.length !== expected.length) throw new ArtifactError('layers', 'lists a tensor more than once');
  return expected.map((e) => {
    const { layer, t } = byName.get(e.name)!;
    if (layer !== e.layer) throw new ArtifactError(e.name, `is listed under layer ${layer}, expected ${e.layer}`);
    if (t.shape.length !== e.shape.length || t.shape.some((d, i) => d !== e.shape[i])) {
      throw new ArtifactError(e.name, `has shape [${t.shape.join(', ')}], the plan expects [${e.shape.join(', ')}]`);
    }
    const dtype = e.kind === 'int32' ? 'int32' : manifest.storage;
    if (t.dtype !== dtype) throw new ArtifactError(e.name, `has dtype ${t.dtype}, expected ${dtype}`);
    const bytes = elementCount(e.shape) * (dtype === 'float16' ? 2 : 4);
    if (t.byteLength !== bytes) throw new ArtifactError(e.name, `has byteLength ${t.byteLength}, expected ${bytes} for its shape and dtype`);
    return t;
  });
}

function checkRanges(entries: TensorEntry[], size: number): void {
  const sorted = [...entries].sort((a, b) => a.offset - b.offset);
  sorted.forEach((t, i) => {
    if (t.offset + t.byteLength > size) {
      throw new ArtifactError(t.name, `bytes [${t.offset}, ${t.offset + t.byteLength}) lie outside the ${size}-byte weight file`);
    }
    const next = sorted[i + 1];
    if (next && next.offset < t.offset + t.byteLength) throw new ArtifactError(t.name, `overlaps ${next.name} in the weight file`);
  });
}

function readTensor(view: DataView, t: TensorEntry, count: number): Float32Array | Int32Array {
  if (t.dtype === 'int32') {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getInt32(t.offset + 4 * i, true);
    return out;
  }
  const out = new Float32Array(count);
  if (t.dtype === 'float32') {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(t.offset + 4 * i, true);
  } else {
    for (let i = 0; i < count; i++) out[i] = fromFloat16Bits(view.getUint16(t.offset + 2 * i, true));
  }
  return out;
}

/**
 * Reads and validates an artifact: schema, version, the config (through core), every tensor
 * against the plan, byte ranges against the weight file, and the values themselves. Each error
 * is an ArtifactError naming the field or tensor and what was expected.
 */
export function decodeArtifact(manifestSource: ManifestSource, weights: ArrayBuffer | ArrayBufferView): CondensedModel {
  const { manifest, config } = readManifest(manifestSource);
  const bytes = bytesOf(weights);
  if (bytes.byteLength !== manifest.weightsByteLength) {
    throw new ArtifactError(
      'weightsByteLength',
      `the weight file has ${bytes.byteLength} bytes, the manifest expects ${manifest.weightsByteLength}${bytes.byteLength < manifest.weightsByteLength ? ' (truncated?)' : ''}`,
    );
  }
  const { tensors: expected } = expectedTensors(config);
  const entries = matchPlan(manifest, expected);
  checkRanges(entries, bytes.byteLength);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tensors = new Map<string, Float32Array | Int32Array>();
  expected.forEach((e, i) => {
    const data = readTensor(view, entries[i], elementCount(e.shape));
    checkValues(e, data);
    tensors.set(e.name, data);
  });
  return {
    config,
    batchNormEpsilon: manifest.batchNormEpsilon,
    normalization: { mean: [...manifest.normalization.mean], std: [...manifest.normalization.std] },
    classes: [...manifest.classes],
    tensors,
  };
}
