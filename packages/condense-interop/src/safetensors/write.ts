import { toBfloat16Bits, toFloat16Bits } from '@condensenet/core';
import { InteropError } from '../errors.js';
import { DTYPES } from '../torch/dtypes.js';
import type { TorchDtype } from '../torch/types.js';

/** What the writer takes; a TorchTensor is one. */
export interface TensorLike {
  dtype: TorchDtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array | Float64Array | BigInt64Array;
}

const SOURCE = 'encodeSafetensors';

/**
 * The reference implementation's Dtype enum order (its declared "increasing alignment"); it lays
 * tensors out from the last of these to the first, then by name, so our files match its files.
 */
const ALIGNMENT_ORDER: readonly TorchDtype[] = ['bool', 'uint8', 'int8', 'int16', 'float16', 'bfloat16', 'int32', 'float32', 'float64', 'int64'];

const INT_RANGE: Partial<Record<TorchDtype, [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int16: [-(2 ** 15), 2 ** 15 - 1],
  int8: [-(2 ** 7), 2 ** 7 - 1],
};

interface Planned {
  name: string;
  tensor: TensorLike;
  begin: number;
  end: number;
}

/**
 * Writes a safetensors file as the reference implementation does: compact JSON header
 * (`__metadata__` first, then the tensors in data order), padded with spaces so the data starts
 * at a multiple of 8, tensors sorted by alignment (descending) then name, little-endian C order.
 * float32 data written as float16/bfloat16 is rounded to nearest even (Float64Array data is
 * rounded to float32 first); an Int32Array written as int64 is sign-extended.
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, TensorLike> | Iterable<[string, TensorLike]>,
  metadata?: Record<string, string>,
): Uint8Array {
  const named = collect(tensors);
  named.sort(([a, x], [b, y]) => ALIGNMENT_ORDER.indexOf(y.dtype) - ALIGNMENT_ORDER.indexOf(x.dtype) || compareCodePoints(a, b));
  const planned: Planned[] = [];
  let offset = 0;
  for (const [name, tensor] of named) {
    const end = offset + tensor.data.length * DTYPES[tensor.dtype].size;
    planned.push({ name, tensor, begin: offset, end });
    offset = end;
  }

  const fields = planned.map(
    (p) => `${JSON.stringify(p.name)}:{"dtype":"${DTYPES[p.tensor.dtype].safetensors}","shape":[${p.tensor.shape.join(',')}],"data_offsets":[${p.begin},${p.end}]}`,
  );
  if (metadata !== undefined) fields.unshift(`"__metadata__":${metadataJson(metadata)}`);
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = json.length + ((8 - (json.length % 8)) % 8);

  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  for (const p of planned) writeElements(view, 8 + headerLength + p.begin, p.name, p.tensor);
  return out;
}

function collect(tensors: Iterable<[string, TensorLike]>): [string, TensorLike][] {
  const named: [string, TensorLike][] = [];
  const seen = new Set<string>();
  for (const [name, tensor] of tensors) {
    if (typeof name !== 'string') throw new InteropError(SOURCE, `tensor name ${String(name)} is not a string`);
    if (name === '__metadata__') throw new InteropError(SOURCE, "a tensor cannot be named '__metadata__'; the format reserves it");
    if (seen.has(name)) throw new InteropError(SOURCE, `tensor ${JSON.stringify(name)} is given twice`);
    checkText(`tensor name ${JSON.stringify(name)}`, name);
    checkTensor(name, tensor);
    seen.add(name);
    named.push([name, tensor]);
  }
  return named;
}

function checkTensor(name: string, tensor: TensorLike): void {
  const what = `tensor ${JSON.stringify(name)}`;
  if (!Object.hasOwn(DTYPES, tensor.dtype)) throw new InteropError(SOURCE, `${what} dtype ${JSON.stringify(tensor.dtype)} is not one of ${Object.keys(DTYPES).join(', ')}`);
  const { shape, data, dtype } = tensor;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new InteropError(SOURCE, `${what} shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  const holders = holdersOf(dtype);
  if (!holders.some((h) => data instanceof h)) {
    throw new InteropError(SOURCE, `${what} dtype ${dtype} needs its data in ${holders.map((h) => h.name).join(' or ')}, got ${data?.constructor?.name ?? typeof data}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new InteropError(SOURCE, `${what} has ${data.length} elements; shape [${shape.join(', ')}] needs ${count}`);
  }
}

function holdersOf(dtype: TorchDtype): (typeof Float32Array | typeof Float64Array | typeof Int32Array | typeof BigInt64Array | typeof Uint8Array)[] {
  if (dtype === 'uint8' || dtype === 'bool') return [Uint8Array];
  if (dtype.startsWith('float') || dtype === 'bfloat16') return [Float32Array, Float64Array];
  return [Int32Array, BigInt64Array];
}

function metadataJson(metadata: Record<string, string>): string {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new InteropError(SOURCE, 'metadata must be an object of strings');
  }
  const fields = Object.entries(metadata).map(([key, value]) => {
    if (typeof value !== 'string') throw new InteropError(SOURCE, `metadata ${JSON.stringify(key)} is ${typeof value}; expected a string`);
    checkText(`metadata key ${JSON.stringify(key)}`, key);
    checkText(`metadata ${JSON.stringify(key)}`, value);
    return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  });
  return `{${fields.join(',')}}`;
}

/** A lone surrogate has no UTF-8 form: TextEncoder would silently write U+FFFD instead. */
function checkText(what: string, text: string): void {
  if (/\p{Surrogate}/u.test(text)) throw new InteropError(SOURCE, `${what} has a lone UTF-16 surrogate; it cannot be written as UTF-8`);
}

/** Rust compares names as UTF-8 bytes, which is code point order, not UTF-16 unit order. */
function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function writeElements(view: DataView, start: number, name: string, tensor: TensorLike): void {
  const { dtype, data } = tensor;
  const size = DTYPES[dtype].size;
  if (dtype === 'int64' && data instanceof BigInt64Array) {
    for (let i = 0; i < data.length; i++) view.setBigInt64(start + i * 8, data[i], true);
    return;
  }
  const put = putterOf(dtype, view);
  const range = INT_RANGE[dtype];
  for (let i = 0; i < data.length; i++) {
    const x = Number(data[i]);
    if (range !== undefined && !(x >= range[0] && x <= range[1])) {
      throw new InteropError(SOURCE, `tensor ${JSON.stringify(name)} element ${i} is ${data[i]}, outside ${dtype}'s range [${range[0]}, ${range[1]}]`);
    }
    if (dtype === 'bool' && x > 1) throw new InteropError(SOURCE, `tensor ${JSON.stringify(name)} element ${i} is ${x}; a bool must be 0 or 1`);
    put(start + i * size, x);
  }
}

function putterOf(dtype: TorchDtype, view: DataView): (offset: number, x: number) => void {
  switch (dtype) {
    case 'float64':
      return (o, x) => view.setFloat64(o, x, true);
    case 'float32':
      return (o, x) => view.setFloat32(o, x, true);
    case 'float16':
      return (o, x) => view.setUint16(o, toFloat16Bits(x), true);
    case 'bfloat16':
      return (o, x) => view.setUint16(o, toBfloat16Bits(x), true);
    case 'int64':
      return (o, x) => {
        view.setInt32(o, x, true);
        view.setInt32(o + 4, x < 0 ? -1 : 0, true);
      };
    case 'int32':
      return (o, x) => view.setInt32(o, x, true);
    case 'int16':
      return (o, x) => view.setInt16(o, x, true);
    case 'int8':
      return (o, x) => view.setInt8(o, x);
    case 'uint8':
    case 'bool':
      return (o, x) => view.setUint8(o, x);
  }
}
