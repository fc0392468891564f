import { readFileSync } from 'node:fs';
import type { CondenseNetConfig } from '@condensenet/core';
import { writeFileAtomic } from '@condensenet/core/node';
import type { AtomicWriteHooks } from '@condensenet/core/node';

export const CHECKPOINT_FORMAT = 'condensenet-checkpoint';
export const CHECKPOINT_VERSION = 1;
const MAGIC = 'CNDNCKPT';

export interface CheckpointTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/**
 * Everything a run needs to continue exactly: the model configuration (the reference's
 * checkpoints lack it and users trip on that), every model weight including masks and
 * condensing state, the optimizer's buffers, and a JSON-able training state (epoch, iteration,
 * progress, RNG and data-order state, history, hyper-parameters).
 */
export interface Checkpoint {
  config: CondenseNetConfig;
  training: Record<string, unknown>;
  weights: CheckpointTensor[];
  optimizer: CheckpointTensor[];
}

interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
}

interface Header {
  format: string;
  version: number;
  config: CondenseNetConfig;
  training: Record<string, unknown>;
  weights: TensorEntry[];
  optimizer: TensorEntry[];
}

/**
 * Layout: 8-byte magic, little-endian u32 header length, the JSON header padded to 4 bytes,
 * then each tensor's little-endian values at its recorded offset (relative to the data start).
 */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array[] {
  let offset = 0;
  const place = (tensors: CheckpointTensor[]): TensorEntry[] =>
    tensors.map((t) => {
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (t.values.length !== size) {
        throw new Error(`checkpoint tensor '${t.name}': ${t.values.length} values for shape [${t.shape}]`);
      }
      const entry = { name: t.name, shape: t.shape, dtype: t.dtype, offset };
      offset += t.values.byteLength;
      return entry;
    });
  const header: Header = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    config: checkpoint.config,
    training: checkpoint.training,
    weights: place(checkpoint.weights),
    optimizer: place(checkpoint.optimizer),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 4) * 4;
  const head = new Uint8Array(12 + padded).fill(0x20);
  head.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(head.buffer).setUint32(8, padded, true);
  head.set(json, 12);
  const data = [...checkpoint.weights, ...checkpoint.optimizer].map(
    (t) => new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength),
  );
  return [head, ...data];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Parses and validates a checkpoint; `source` (a path) names the file in every error. */
export function decodeCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  const fail = (what: string): never => {
    throw new Error(`${source}: not a usable CondenseNet checkpoint: ${what}`);
  };
  if (bytes.byteLength < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    fail(`missing the '${MAGIC}' signature`);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  if (12 + headerLength > bytes.byteLength) fail(`header of ${headerLength} bytes runs past the end of the file (${bytes.byteLength} bytes)`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  if (header.format !== CHECKPOINT_FORMAT) fail(`format is ${JSON.stringify(header.format)}, expected "${CHECKPOINT_FORMAT}"`);
  if (header.version !== CHECKPOINT_VERSION) fail(`version ${header.version} is not supported (this build reads version ${CHECKPOINT_VERSION})`);
  if (!isObject(header.config) || !Array.isArray(header.weights) || !Array.isArray(header.optimizer)) {
    fail('header lacks config, weights or optimizer');
  }
  if (header.training !== undefined && !isObject(header.training)) fail(`training = ${JSON.stringify(header.training)}, expected an object`);
  const dataStart = 12 + headerLength;
  const read = (entry: TensorEntry, group: string, index: number): CheckpointTensor => {
    if (!isObject(entry) || typeof entry.name !== 'string') fail(`${group} tensor #${index} is not an object with a name`);
    const what = `${group} tensor '${entry.name}'`;
    if (!Array.isArray(entry.shape) || !entry.shape.every(isCount)) {
      fail(`${what}: shape = ${JSON.stringify(entry.shape)}, expected a list of non-negative integers`);
    }
    if (entry.dtype !== 'float32' && entry.dtype !== 'int32') fail(`${what}: dtype = ${JSON.stringify(entry.dtype)}, expected "float32" or "int32"`);
    if (!isCount(entry.offset)) fail(`${what}: offset = ${JSON.stringify(entry.offset)}, expected a non-negative integer`);
    const size = entry.shape.reduce((a, b) => a * b, 1);
    const start = dataStart + entry.offset;
    if (entry.offset % 4 !== 0 || start + size * 4 > bytes.byteLength) {
      fail(`${group} tensor '${entry.name}' [${entry.shape}] lies outside the file (truncated?)`);
    }
    // A copy, not a view: Node Buffers' slice() shares memory and may be unaligned.
    const copy = new Uint8Array(size * 4);
    copy.set(bytes.subarray(start, start + size * 4));
    const values = entry.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
    return { name: entry.name, shape: entry.shape, dtype: entry.dtype, values };
  };
  return {
    config: header.config,
    training: header.training ?? {},
    weights: header.weights.map((e, i) => read(e, 'weight', i)),
    optimizer: header.optimizer.map((e, i) => read(e, 'optimizer', i)),
  };
}

export function writeCheckpoint(path: string, checkpoint: Checkpoint, hooks?: AtomicWriteHooks): void {
  writeFileAtomic(path, encodeCheckpoint(checkpoint), hooks);
}

export function readCheckpoint(path: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read checkpoint ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return decodeCheckpoint(bytes, path);
}
