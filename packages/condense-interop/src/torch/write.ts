import { toBfloat16Bits, toFloat16Bits } from '@condensenet/core';
import { InteropError } from '../errors.js';
import { isWellFormedUnicode, Pickler } from '../pickle/pickler.js';
import { DTYPES } from './dtypes.js';
import type { TorchDtype } from './types.js';
import { elementCount } from './types.js';
import { encodeStoredZip } from './zip-writer.js';

/** A tensor to store; a TorchTensor read from a file is one. */
export interface TensorToWrite {
  readonly kind: 'tensor';
  /** The element type in the file; the data is converted to it. */
  dtype: TorchDtype;
  shape: readonly number[];
  /** C-order elements; any of these holders for any dtype (an int64 index in an Int32Array is widened). */
  data: Float32Array | Int32Array | Uint8Array | BigInt64Array | Float64Array;
  /** Written as an nn.Parameter (what a module's parameters pickle as). */
  requiresGrad?: boolean;
}

/** What a Python dict key can be here. */
export type WritableKey = string | number | bigint | boolean | null;

/**
 * A Python value to pickle. Numbers that are safe integers become ints, others floats;
 * `{ float: x }` forces a float (so 0 is written 0.0); `{ tuple: [...] }` is a tuple; a Map is a
 * collections.OrderedDict (what state_dict() returns), a plain object a dict (in JS key order,
 * which puts integer-like keys first: use a Map to control order). An object whose only key is
 * `tuple` (holding an array) or `float` (holding a number) is read as those forms; write such a
 * dict as a Map.
 */
export type WritableValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | WritableValue[]
  | { tuple: WritableValue[] }
  | { float: number }
  | Map<WritableKey, WritableValue>
  | TensorToWrite
  | { [key: string]: WritableValue };

export interface TorchZipOptions {
  /** The folder every record sits in (torch.save uses the file's stem); default 'archive'. */
  archiveName?: string;
}

/** torch's serializer aligns every record to this, so tensors can be mmapped in place. */
const RECORD_ALIGNMENT = 64;
const FORMAT_VERSION = '3\n';

const utf8 = new TextEncoder();

/**
 * A torch zip-format file (what torch.save writes since 1.6) that `torch.load` reads back as
 * `value`, with `weights_only=True` too: the pickle names only tensor-rebuild functions,
 * storage classes and collections.OrderedDict.
 */
export function encodeTorchZip(value: WritableValue, options: TorchZipOptions = {}): Uint8Array {
  const archive = checkedArchiveName(options.archiveName ?? 'archive');
  const writer = new TorchPickleWriter();
  writer.save(value, 'value');
  const pickle = writer.pickler.finish();
  return encodeStoredZip(
    [
      { name: `${archive}/data.pkl`, data: pickle },
      { name: `${archive}/byteorder`, data: utf8.encode('little') },
      ...writer.storages.map((data, key) => ({ name: `${archive}/data/${key}`, data })),
      { name: `${archive}/version`, data: utf8.encode(FORMAT_VERSION) },
    ],
    RECORD_ALIGNMENT,
  );
}

function checkedArchiveName(name: string): string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new InteropError('archiveName', `${JSON.stringify(name)}; expected a non-empty folder name without '/', '\\' or NUL`);
  }
  return name;
}

/** Walks a value, pickling it as torch.save would and collecting the tensors' storages. */
class TorchPickleWriter {
  readonly pickler = new Pickler();
  /** Storage bytes, indexed by their key in the archive. */
  readonly storages: Uint8Array[] = [];
  /** The same tensor object twice is one tensor in Python too (and one storage). */
  private readonly memoOfTensor = new Map<object, number>();
  /** Containers being written: meeting one again means the value contains itself. */
  private readonly open = new Set<object>();

  save(value: unknown, path: string): void {
    const p = this.pickler;
    switch (typeof value) {
      case 'boolean':
        return p.bool(value);
      case 'number':
        return Number.isSafeInteger(value) ? p.int(value) : p.float(value);
      case 'bigint':
        return p.int(value);
      case 'string':
        if (!isWellFormedUnicode(value)) {
          throw new InteropError(path, `string ${JSON.stringify(value)} holds a lone UTF-16 surrogate, which UTF-8 cannot encode`);
        }
        return p.string(value);
      case 'object':
        if (value === null) return p.none();
        return this.saveObject(value, path);
      default:
        throw new InteropError(path, `${typeof value} cannot be written; expected null, a boolean, number, bigint, string, array, Map, plain object or tensor`);
    }
  }

  private saveObject(value: object, path: string): void {
    if (isTensorLike(value)) return this.saveTensor(value, path);
    const form = specialForm(value);
    if (form?.kind === 'float') return this.pickler.float(form.value);
    if (this.open.has(value)) throw new InteropError(path, 'the value contains itself; pickling it would never end');
    this.open.add(value);
    if (form?.kind === 'tuple') this.saveTuple(form.items, path);
    else if (Array.isArray(value)) this.pickler.list(value, indexed(path, (item, at) => this.save(item, at)));
    else if (value instanceof Map) this.saveOrderedDict(value, path);
    else if (isPlainObject(value)) {
      this.pickler.dict(Object.entries(value), ([key, item]) => {
        const at = `${path}[${JSON.stringify(key)}]`;
        this.save(key, at);
        this.save(item, at);
      });
    } else {
      throw new InteropError(path, `${describeObject(value)} cannot be written; expected an array, Map, plain object or tensor`);
    }
    this.open.delete(value);
  }

  private saveTuple(items: readonly unknown[], path: string): void {
    const saveItem = indexed(path, (item, at) => this.save(item, at));
    this.pickler.tuple(items.length, () => items.forEach(saveItem));
  }

  /** As Python reduces an OrderedDict: `OrderedDict()`, then its items set one batch at a time. */
  private saveOrderedDict(map: Map<unknown, unknown>, path: string): void {
    this.emptyOrderedDict();
    this.pickler.setItems([...map], ([key, item]) => {
      const at = `${path}[${typeof key === 'string' ? JSON.stringify(key) : String(key)}]`;
      if (key !== null && !['string', 'number', 'bigint', 'boolean'].includes(typeof key)) {
        throw new InteropError(at, `a key of type ${typeof key} cannot be written; expected a string, number, bigint, boolean or null`);
      }
      this.save(key, at);
      this.save(item, at);
    });
  }

  private emptyOrderedDict(): void {
    const p = this.pickler;
    p.reduce(
      () => p.global('collections', 'OrderedDict'),
      () => p.tuple(0, () => {}),
    );
  }

  /**
   * torch pickles a tensor as `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
   * backward_hooks)` and an nn.Parameter as `_rebuild_parameter(that tensor, True, OrderedDict())`.
   */
  private saveTensor(tensor: TensorToWrite, path: string): void {
    const memo = this.memoOfTensor.get(tensor);
    if (memo !== undefined) return this.pickler.get(memo);
    const bytes = storageBytes(tensor, path);
    const key = this.storages.push(bytes) - 1;
    const p = this.pickler;
    const rebuildTensor = () =>
      p.reduce(
        () => p.global('torch._utils', '_rebuild_tensor_v2'),
        () =>
          p.tuple(6, () => {
            p.persistentId(() =>
              p.tuple(5, () => {
                p.string('storage');
                p.global('torch', DTYPES[tensor.dtype].storage);
                p.string(String(key));
                p.string('cpu');
                p.int(elementCount(tensor.shape));
              }),
            );
            p.int(0);
            this.saveInts(tensor.shape);
            this.saveInts(contiguousStride(tensor.shape));
            p.bool(false);
            this.emptyOrderedDict();
          }),
      );
    const index = tensor.requiresGrad
      ? p.reduce(
          () => p.global('torch._utils', '_rebuild_parameter'),
          () =>
            p.tuple(3, () => {
              rebuildTensor();
              p.bool(true);
              this.emptyOrderedDict();
            }),
        )
      : rebuildTensor();
    this.memoOfTensor.set(tensor, index);
  }

  private saveInts(values: readonly number[]): void {
    this.pickler.tuple(values.length, () => values.forEach((v) => this.pickler.int(v)));
  }
}

/** Per dtype: writes one element at `offset`, or returns false when the dtype cannot hold it. */
type PutElement = (view: DataView, offset: number, value: number | bigint) => boolean;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function putFloat(set: (view: DataView, offset: number, value: number) => void): PutElement {
  return (view, offset, value) => {
    set(view, offset, Number(value));
    return true;
  };
}

function putSmallInt(min: number, max: number, set: (view: DataView, offset: number, value: number) => void): PutElement {
  return (view, offset, value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) return false;
    set(view, offset, n);
    return true;
  };
}

const PUT_ELEMENT: Readonly<Record<TorchDtype, PutElement>> = {
  float64: putFloat((v, o, x) => v.setFloat64(o, x, true)),
  float32: putFloat((v, o, x) => v.setFloat32(o, x, true)),
  float16: putFloat((v, o, x) => v.setUint16(o, toFloat16Bits(x), true)),
  bfloat16: putFloat((v, o, x) => v.setUint16(o, toBfloat16Bits(x), true)),
  int64: (view, offset, value) => {
    if (typeof value === 'number' && !Number.isInteger(value)) return false;
    const n = BigInt(value);
    if (n < INT64_MIN || n > INT64_MAX) return false;
    view.setBigInt64(offset, n, true);
    return true;
  },
  int32: putSmallInt(-(2 ** 31), 2 ** 31 - 1, (v, o, x) => v.setInt32(o, x, true)),
  int16: putSmallInt(-(2 ** 15), 2 ** 15 - 1, (v, o, x) => v.setInt16(o, x, true)),
  int8: putSmallInt(-128, 127, (v, o, x) => v.setInt8(o, x)),
  uint8: putSmallInt(0, 255, (v, o, x) => v.setUint8(o, x)),
  bool: putSmallInt(0, 1, (v, o, x) => v.setUint8(o, x)),
};

const HOLDERS = [Float32Array, Float64Array, Int32Array, Uint8Array, BigInt64Array];

/** The tensor's elements as the dtype's little-endian bytes, after checking the tensor is whole. */
function storageBytes(tensor: TensorToWrite, path: string): Uint8Array {
  const { dtype, shape, data, requiresGrad } = tensor;
  const info = Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : undefined;
  if (!info) throw new InteropError(path, `tensor dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(DTYPES).join(', ')}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new InteropError(path, `tensor shape ${describeShape(shape)}; expected an array of non-negative integers`);
  }
  if (!HOLDERS.some((holder) => data instanceof holder)) {
    throw new InteropError(path, `tensor data is ${describeObject(data)}; expected a Float32Array, Float64Array, Int32Array, Uint8Array or BigInt64Array`);
  }
  const count = elementCount(shape);
  if (data.length !== count) {
    throw new InteropError(path, `tensor data holds ${data.length} elements; shape [${shape.join(', ')}] needs ${count}`);
  }
  if (requiresGrad !== undefined && typeof requiresGrad !== 'boolean') {
    throw new InteropError(path, `tensor requiresGrad is ${typeof requiresGrad}; expected a boolean`);
  }
  if (requiresGrad && !dtype.startsWith('float') && dtype !== 'bfloat16') {
    throw new InteropError(path, `requiresGrad is set on dtype ${dtype}; torch lets only floating dtypes require grad`);
  }
  const bytes = new Uint8Array(count * info.size);
  const view = new DataView(bytes.buffer);
  const put = PUT_ELEMENT[dtype];
  for (let i = 0; i < count; i++) {
    if (!put(view, i * info.size, data[i])) {
      throw new InteropError(path, `element ${i} is ${data[i]}, which dtype ${dtype} cannot hold`);
    }
  }
  return bytes;
}

/** Row-major strides as torch computes them: a size-0 dimension steps like a size-1 one. */
function contiguousStride(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    stride[i] = step;
    step *= Math.max(shape[i], 1);
  }
  return stride;
}

function isTensorLike(value: object): value is TensorToWrite {
  return !(value instanceof Map) && !Array.isArray(value) && (value as { kind?: unknown }).kind === 'tensor';
}

type SpecialForm = { kind: 'tuple'; items: unknown[] } | { kind: 'float'; value: number };

function specialForm(value: object): SpecialForm | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const field = (value as Record<string, unknown>)[keys[0]];
  if (keys[0] === 'tuple' && Array.isArray(field)) return { kind: 'tuple', items: field };
  if (keys[0] === 'float' && typeof field === 'number') return { kind: 'float', value: field };
  return undefined;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function indexed<T>(path: string, save: (item: T, at: string) => void): (item: T, index: number) => void {
  return (item, index) => save(item, `${path}[${index}]`);
}

function describeObject(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  const name: string | undefined = Object.getPrototypeOf(value)?.constructor?.name;
  return name ? `an object of class ${name}` : 'an object without prototype';
}

function describeShape(shape: unknown): string {
  return Array.isArray(shape) ? `[${shape.map(String).join(', ')}]` : String(shape);
}
