import type { CondenseNetConfig, CondenseNetConfigInput, DataKind } from '@condensenet/core';
import { inferArchitecture } from '../checkpoint/infer.js';
import type { OverrideNames } from '../checkpoint/types.js';
import { unwrapCheckpoint } from '../checkpoint/unwrap.js';
import { InteropError } from '../errors.js';
import { decodeSafetensors } from '../safetensors/read.js';
import { readTorchFile } from '../torch/read.js';
import type { TorchTensor } from '../torch/types.js';
import { DESCRIPTION_KEY, decodeDescription, type SavedDescription } from './description.js';

export interface ReadReferenceOptions {
  /** The input geometry and normalisation, which no weight shows (see inferArchitecture). */
  data?: DataKind;
  /** Settings the user states; each must agree with the weights. */
  overrides?: Partial<CondenseNetConfigInput>;
  /** How each override is named in errors (a CLI passes its flags). */
  overrideNames?: OverrideNames;
}

/** A model file of the PyTorch world, understood: its form, configuration and tensors. */
export interface ReferenceFile {
  format: 'zip' | 'legacy' | 'safetensors';
  /** How the state_dict was wrapped: `main.py checkpoint`, `state_dict wrapper`, `bare state_dict`, `safetensors`. */
  wrapper: string;
  form: 'training' | 'condensed';
  config: CondenseNetConfig;
  /** Reference names (DataParallel's `module.` removed), in the file's order. */
  stateDict: Map<string, TorchTensor>;
  /** SGD momentum buffers by parameter index, where the file has an optimizer state. */
  momentum?: Map<number, TorchTensor>;
  /** What main.py's checkpoint said beside the weights. */
  imported: { epoch?: number; bestPrec1?: number; arch?: string };
  /** What was inferred from which tensor, and what was a default. */
  notes: string[];
  /** Training form only: why it cannot be condensed yet (layers short of their last stage). */
  unfinished?: string;
  /** The description our own exports carry (configuration, classes, normalisation). */
  saved?: SavedDescription;
}

/**
 * Reads a torch checkpoint (zip or legacy format, any wrapper main.py or users write) or a
 * safetensors file, and infers the architecture from its names and shapes. A file we exported
 * carries its full configuration, which the weights must then agree with.
 */
export function readReferenceFile(bytes: Uint8Array, source: string, options: ReadReferenceOptions = {}): ReferenceFile {
  const loaded = isSafetensors(bytes) ? fromSafetensors(bytes, source) : fromTorch(bytes, source);
  const saved = loaded.savedText === undefined ? undefined : decodeDescription(loaded.savedText, source);
  const inferred = inferArchitecture(loaded.stateDict, {
    source,
    ...(options.data ?? saved?.config.data ? { data: options.data ?? saved?.config.data } : {}),
    overrides: { ...(saved ? savedGeometry(saved.config) : {}), ...options.overrides },
    ...(options.overrideNames ? { overrideNames: options.overrideNames } : {}),
  });
  if (saved && saved.form !== inferred.form) {
    throw new InteropError(source, `its description says the ${saved.form} form, its tensors are the ${inferred.form} form`);
  }
  const short = inferred.condensing.layers.filter((l) => !l.last);
  const last = inferred.config.condenseFactor - 1;
  const result: ReferenceFile = {
    format: loaded.format,
    wrapper: loaded.wrapper,
    form: inferred.form,
    config: inferred.config,
    stateDict: loaded.stateDict,
    imported: loaded.imported,
    notes: inferred.notes,
    ...(saved ? { saved } : {}),
  };
  if (loaded.momentum) result.momentum = loaded.momentum;
  if (inferred.form === 'training' && !inferred.condensing.finished) {
    const first = short[0];
    result.unfinished =
      `${short.length} of ${inferred.condensing.layers.length} learned group convolutions have not reached their last condensing stage (${last})` +
      (first ? `, e.g. ${first.layer} at stage ${first.stage ?? '?'}` : '');
  }
  return result;
}

interface Loaded {
  format: ReferenceFile['format'];
  wrapper: string;
  stateDict: Map<string, TorchTensor>;
  momentum?: Map<number, TorchTensor>;
  imported: ReferenceFile['imported'];
  savedText?: string;
}

/** safetensors opens with a little-endian u64 header length, then the JSON header's '{'. */
function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 9 || bytes[8] !== 0x7b) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(4, true) === 0 && view.getUint32(0, true) + 8 <= bytes.byteLength;
}

function fromSafetensors(bytes: Uint8Array, source: string): Loaded {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const names = [...tensors.keys()];
  const prefixed = names.length > 0 && names.every((n) => n.startsWith('module.'));
  const stateDict = prefixed ? new Map([...tensors].map(([n, t]) => [n.slice('module.'.length), t])) : tensors;
  return { format: 'safetensors', wrapper: 'safetensors', stateDict, imported: {}, ...(metadata[DESCRIPTION_KEY] ? { savedText: metadata[DESCRIPTION_KEY] } : {}) };
}

function fromTorch(bytes: Uint8Array, source: string): Loaded {
  const { format, root } = readTorchFile(bytes, source);
  const unwrapped = unwrapCheckpoint(root, source);
  const text = root instanceof Map ? root.get(DESCRIPTION_KEY) : undefined;
  const imported: ReferenceFile['imported'] = {};
  if (unwrapped.epoch !== undefined) imported.epoch = unwrapped.epoch;
  if (unwrapped.bestPrec1 !== undefined) imported.bestPrec1 = unwrapped.bestPrec1;
  if (unwrapped.arch !== undefined) imported.arch = unwrapped.arch;
  const loaded: Loaded = { format, wrapper: unwrapped.wrapper, stateDict: unwrapped.stateDict, imported };
  if (typeof text === 'string') loaded.savedText = text;
  const buffers = unwrapped.optimizer?.momentumBuffers;
  if (buffers?.some((b) => b !== null)) {
    loaded.momentum = new Map(buffers.flatMap((b, k) => (b ? [[k, b] as [number, TorchTensor]] : [])));
  }
  return loaded;
}

/** The parts of a saved configuration the tensors cannot show, given to inference as stated. */
function savedGeometry(config: CondenseNetConfig): Partial<CondenseNetConfigInput> {
  return {
    inputSize: config.inputSize,
    stemStride: config.stemStride,
    poolSize: config.poolSize,
    group1x1: config.group1x1,
    condenseFactor: config.condenseFactor,
    dropout: config.dropout,
  };
}
