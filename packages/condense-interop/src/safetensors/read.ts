import { plainBytes } from '../bytes.js';
import { fromBfloat16Bits, fromFloat16Bits } from '@condensenet/core';
import { InteropError } from '../errors.js';
import { DTYPES, dtypeOfSafetensors } from '../torch/dtypes.js';
import type { TorchDtype, TorchTensor } from '../torch/types.js';

/** The reference implementation's limit; a longer header is a broken or hostile file. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsContents {
  /** In the order of the tensors' data in the file. */
  tensors: Map<string, TorchTensor>;
  metadata: Record<string, string>;
}

interface Entry {
  name: string;
  dtype: TorchDtype;
  shape: number[];
  begin: number;
  end: number;
}

const KNOWN_DTYPES = Object.values(DTYPES)
  .map((d) => d.safetensors)
  .join(', ');

/**
 * Reads a safetensors file: every tensor is checked against the spec (known dtype, shape of
 * non-negative integers, data_offsets matching dtype and shape, the tensors tiling the data area
 * exactly) before any data is copied, so nothing is allocated beyond what the file backs.
 */
export function decodeSafetensors(input: Uint8Array, source: string): SafetensorsContents {
  const bytes = plainBytes(input);
  const { header, dataStart } = readHeader(bytes, source);
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') metadata = parseMetadata(value, source);
    else entries.push(parseEntry(name, value, source));
  }
  const data = bytes.subarray(dataStart);
  checkLayout(entries, data.length, source);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const tensors = new Map<string, TorchTensor>();
  for (const entry of entries) {
    tensors.set(entry.name, { kind: 'tensor', dtype: entry.dtype, shape: entry.shape, data: convert(entry, view, source), requiresGrad: false });
  }
  return { tensors, metadata };
}

function readHeader(bytes: Uint8Array, source: string): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8) {
    throw new InteropError(source, `file is ${bytes.length} bytes; a safetensors file starts with an 8-byte header length`);
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new InteropError(source, `header length ${length} is over the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const dataStart = 8 + Number(length);
  if (dataStart > bytes.length) {
    throw new InteropError(source, `header length ${length} runs past the end of the file (${bytes.length - 8} bytes follow the length)`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    throw new InteropError(source, 'header is not valid UTF-8');
  }
  // The spec requires the '{' first: no BOM or leading whitespace.
  if (!text.startsWith('{')) {
    throw new InteropError(source, `header ${brief(JSON.stringify(text))} does not start with '{'; expected a JSON object`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new InteropError(source, `header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) throw new InteropError(source, 'header is not a JSON object');
  return { header, dataStart };
}

function parseMetadata(value: unknown, source: string): Record<string, string> {
  // The reference implementation reads a null __metadata__ as none.
  if (value === null) return {};
  if (!isObject(value)) throw new InteropError(source, `__metadata__ is ${describe(value)}; expected an object of strings`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new InteropError(source, `__metadata__ ${brief(JSON.stringify(key))} is ${describe(v)}; expected a string`);
    }
  }
  // fromEntries defines properties, so a '__proto__' key stays an ordinary key.
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function parseEntry(name: string, value: unknown, source: string): Entry {
  const what = `tensor ${brief(JSON.stringify(name))}`;
  if (!isObject(value)) throw new InteropError(source, `${what} is ${describe(value)}; expected an object with dtype, shape and data_offsets`);
  const { dtype: dtypeName, shape, data_offsets: offsets } = value;
  const dtype = typeof dtypeName === 'string' ? dtypeOfSafetensors(dtypeName) : undefined;
  if (dtype === undefined) {
    throw new InteropError(source, `${what} dtype ${brief(JSON.stringify(dtypeName) ?? 'missing')} is not one of ${KNOWN_DTYPES}`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new InteropError(source, `${what} shape ${brief(JSON.stringify(shape) ?? 'missing')} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    throw new InteropError(source, `${what} data_offsets ${brief(JSON.stringify(offsets) ?? 'missing')} is not [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offsets as number[];
  // A zero dimension empties the tensor whatever the others are. Past 2^53 the product is
  // inexact, and no file can hold that much anyway.
  let bytes = shape.includes(0) ? 0 : DTYPES[dtype].size;
  for (const dim of shape) {
    bytes *= dim;
    if (bytes > Number.MAX_SAFE_INTEGER) throw new InteropError(source, `${what} shape ${brief(JSON.stringify(shape))} has more bytes than any file can hold`);
  }
  if (end - begin !== bytes) {
    throw new InteropError(source, `${what} data_offsets [${begin}, ${end}] span ${end - begin} bytes; ${dtypeName} of shape [${shape.join(', ')}] needs ${bytes}`);
  }
  return { name, dtype, shape, begin, end };
}

/** Sorts entries by position and checks they tile the data area with no gap or overlap. */
function checkLayout(entries: Entry[], dataLength: number, source: string): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: string | undefined;
  for (const entry of entries) {
    if (entry.begin !== cursor) {
      const after = previous === undefined ? 'the start of the data' : `tensor ${brief(JSON.stringify(previous))}`;
      const problem = entry.begin < cursor ? 'overlaps' : 'leaves a gap after';
      throw new InteropError(
        source,
        `tensor ${brief(JSON.stringify(entry.name))} data_offsets [${entry.begin}, ${entry.end}] ${problem} ${after}; expected it to begin at ${cursor}`,
      );
    }
    cursor = entry.end;
    previous = entry.name;
  }
  if (cursor !== dataLength) {
    throw new InteropError(source, `the tensors' data_offsets cover ${cursor} bytes, but ${dataLength} bytes follow the header; they must cover them exactly`);
  }
}

function convert(entry: Entry, view: DataView, source: string): Float32Array | Int32Array | Uint8Array {
  const { begin, end } = entry;
  const size = DTYPES[entry.dtype].size;
  const n = (end - begin) / size;
  const floats = (read: (offset: number) => number): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = read(begin + i * size);
    return out;
  };
  const ints = (read: (offset: number) => number): Int32Array => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = read(begin + i * size);
    return out;
  };
  switch (entry.dtype) {
    case 'float64':
      return floats((o) => view.getFloat64(o, true));
    case 'float32':
      return floats((o) => view.getFloat32(o, true));
    case 'float16':
      return floats((o) => fromFloat16Bits(view.getUint16(o, true)));
    case 'bfloat16':
      return floats((o) => fromBfloat16Bits(view.getUint16(o, true)));
    case 'int64':
      return ints((o) => {
        const low = view.getInt32(o, true);
        // It fits in int32 exactly when the high word is the low word's sign extension.
        if (view.getInt32(o + 4, true) !== low >> 31) {
          throw new InteropError(
            source,
            `tensor ${brief(JSON.stringify(entry.name))} element ${(o - begin) / size} is ${view.getBigInt64(o, true)}, outside the int32 range int64 tensors are held in`,
          );
        }
        return low;
      });
    case 'int32':
      return ints((o) => view.getInt32(o, true));
    case 'int16':
      return ints((o) => view.getInt16(o, true));
    case 'int8':
      return ints((o) => view.getInt8(o));
    case 'uint8':
    case 'bool': {
      const out = new Uint8Array(view.buffer, view.byteOffset + begin, n).slice();
      const bad = entry.dtype === 'bool' ? out.findIndex((b) => b > 1) : -1;
      if (bad >= 0) {
        throw new InteropError(source, `tensor ${brief(JSON.stringify(entry.name))} element ${bad} is byte ${out[bad]}; a BOOL must be 0 or 1`);
      }
      return out;
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${brief(JSON.stringify(value))}`;
}

/** Keeps a hostile header's huge names and lists from flooding the message. */
function brief(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 77)}...`;
}
