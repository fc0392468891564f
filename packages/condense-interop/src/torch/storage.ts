import { fromBfloat16Bits, fromFloat16Bits } from '@condensenet/core';
import { InteropError } from '../errors.js';
import { describe, type Handle, type Unpickled } from '../pickle/values.js';
import { DTYPES, dtypeOfStorage, holderOf } from './dtypes.js';
import type { TorchDtype, TorchTensor } from './types.js';

/**
 * The elements all tensors of one file may materialise together: no more than the file has
 * bytes. Each storage is backed by the file, but views can overlap (stride 0, one storage
 * viewed many times), so without a cap a small file could ask for gigabytes.
 */
export class ElementBudget {
  constructor(
    private remaining: number,
    private readonly source: string,
  ) {}

  take(count: number, shape: readonly number[]): void {
    if (!(count <= this.remaining)) {
      throw new InteropError(
        this.source,
        `tensor [${shape}] needs ${count} elements, but the file's size leaves room for only ${this.remaining} more ` +
          '(all tensors together hold at most one element per byte of the file): the file is truncated, or its views overlap or expand their storages',
      );
    }
    this.remaining -= count;
  }
}

interface WaitingView {
  tensor: TorchTensor;
  offset: number;
  stride: readonly number[];
}

/**
 * One storage of a torch file: `numel` elements of `dtype` that tensors view through an
 * offset, a shape and strides. A zip file gives the bytes when the storage is first named;
 * a legacy file only after the whole object pickle, so views made before then are filled in
 * when the bytes arrive. Each view gets its own C-order copy.
 */
export class TorchStorage {
  private bytes: Uint8Array | undefined;
  private readonly waiting: WaitingView[] = [];

  constructor(
    /** The file's name for it: the zip record 'data/<key>', or the legacy key. */
    readonly name: string,
    readonly dtype: TorchDtype,
    readonly numel: number,
    private readonly budget: ElementBudget,
    private readonly source: string,
  ) {}

  get loaded(): boolean {
    return this.bytes !== undefined;
  }

  /** The storage's raw bytes in the file's byte order. */
  load(bytes: Uint8Array, byteOrder: 'little' | 'big'): void {
    const size = DTYPES[this.dtype].size;
    if (bytes.length !== this.numel * size) {
      throw new InteropError(
        this.source,
        `storage '${this.name}' holds ${bytes.length} bytes; ${this.numel} ${this.dtype} elements need ${this.numel * size}`,
      );
    }
    this.bytes = byteOrder === 'big' && size > 1 ? swapBytes(bytes, size) : bytes;
    for (const view of this.waiting) view.tensor.data = this.gather(view.offset, view.tensor.shape, view.stride);
    this.waiting.length = 0;
  }

  /** A tensor of this storage's elements (torch's `storage[offset + sum(index * stride)]`). */
  view(offset: number, shape: readonly number[], stride: readonly number[], requiresGrad: boolean): TorchTensor {
    const count = shape.reduce((a, b) => a * b, 1);
    if (count > 0) {
      const last = shape.reduce((sum, extent, d) => sum + (extent - 1) * stride[d], offset);
      if (!(last < this.numel)) {
        throw new InteropError(
          this.source,
          `storage '${this.name}' holds ${this.numel} elements, tensor [${shape}] with strides [${stride}] at offset ${offset} needs ${last + 1}`,
        );
      }
    }
    this.budget.take(count, shape);
    const tensor: TorchTensor = {
      kind: 'tensor',
      dtype: this.dtype,
      shape: [...shape],
      data: emptyHolder(this.dtype),
      requiresGrad,
    };
    if (this.bytes) tensor.data = this.gather(offset, shape, stride);
    else this.waiting.push({ tensor, offset, stride });
    return tensor;
  }

  private gather(offset: number, shape: readonly number[], stride: readonly number[]): TorchTensor['data'] {
    const bytes = this.bytes as Uint8Array;
    const count = shape.reduce((a, b) => a * b, 1);
    const size = DTYPES[this.dtype].size;
    if (isContiguous(shape, stride) && (this.dtype === 'float32' || this.dtype === 'int32' || this.dtype === 'uint8')) {
      // The holder has the file's own layout: one copy of the bytes (slice also aligns them).
      const buffer = bytes.slice(offset * size, (offset + count) * size).buffer;
      return this.dtype === 'float32'
        ? new Float32Array(buffer)
        : this.dtype === 'int32'
          ? new Int32Array(buffer)
          : new Uint8Array(buffer);
    }
    const out = newHolder(this.dtype, count);
    const read = this.reader(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const index = new Array<number>(shape.length).fill(0);
    let position = offset;
    for (let i = 0; i < count; i++) {
      out[i] = read(position);
      // Odometer over the shape, last dimension fastest (C order).
      for (let d = shape.length - 1; d >= 0; d--) {
        position += stride[d];
        if (++index[d] < shape[d]) break;
        position -= stride[d] * shape[d];
        index[d] = 0;
      }
    }
    return out;
  }

  /** Reads element `i` of the storage as the number its holder keeps (little-endian bytes). */
  private reader(view: DataView): (i: number) => number {
    switch (this.dtype) {
      case 'float64':
        return (i) => view.getFloat64(i * 8, true);
      case 'float32':
        return (i) => view.getFloat32(i * 4, true);
      case 'float16':
        return (i) => fromFloat16Bits(view.getUint16(i * 2, true));
      case 'bfloat16':
        return (i) => fromBfloat16Bits(view.getUint16(i * 2, true));
      case 'int64':
        return (i) => {
          const low = view.getUint32(i * 8, true);
          const high = view.getInt32(i * 8 + 4, true);
          if (high === (low >= 0x80000000 ? -1 : 0)) return low | 0;
          throw new InteropError(
            this.source,
            `int64 storage '${this.name}' holds ${view.getBigInt64(i * 8, true)} at element ${i}, which does not fit the Int32Array int64 tensors are read into`,
          );
        };
      case 'int32':
        return (i) => view.getInt32(i * 4, true);
      case 'int16':
        return (i) => view.getInt16(i * 2, true);
      case 'int8':
        return (i) => view.getInt8(i);
      case 'uint8':
        return (i) => view.getUint8(i);
      case 'bool':
        return (i) => (view.getUint8(i) === 0 ? 0 : 1);
    }
  }
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

function newHolder(dtype: TorchDtype, count: number): TorchTensor['data'] {
  const holder = holderOf(dtype);
  return holder === 'float' ? new Float32Array(count) : holder === 'int' ? new Int32Array(count) : new Uint8Array(count);
}

function emptyHolder(dtype: TorchDtype): TorchTensor['data'] {
  return newHolder(dtype, 0);
}

/** A little-endian copy of big-endian elements of `size` bytes. */
function swapBytes(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) {
    for (let k = 0; k < size; k++) out[i + k] = bytes[i + size - 1 - k];
  }
  return out;
}

/** A storage a torch persistent id names. */
export interface StorageId {
  dtype: TorchDtype;
  key: string;
  numel: number;
}

/**
 * Reads a persistent id: `('storage', storage_type, key, location, numel)` in zip files, and
 * a sixth `view_metadata` in legacy ones, None since torch 0.4 (older files' storage views
 * are refused). The location (a device) is ignored: everything is read onto the CPU.
 */
export function parseStorageId(pid: Unpickled, format: 'zip' | 'legacy', source: string): StorageId {
  const fields = format === 'zip' ? 5 : 6;
  const layout =
    format === 'zip'
      ? "('storage', storage_type, key, location, numel)"
      : "('storage', storage_type, key, location, numel, view_metadata)";
  if (!Array.isArray(pid) || pid.length !== fields || pid[0] !== 'storage') {
    throw new InteropError(
      source,
      `persistent id ${describe(pid)}${Array.isArray(pid) ? ` of ${pid.length} items` : ''} is not ${layout}`,
    );
  }
  const [, storageType, key, location, numel, viewMetadata] = pid;
  const dtype = storageDtypeOf(storageType);
  if (dtype === undefined)
    throw new InteropError(source, `persistent id names ${describe(storageType)} where a torch storage class was expected`);
  if (typeof key !== 'string' || typeof location !== 'string') {
    throw new InteropError(
      source,
      `persistent id's key and location must be str, found ${describe(key)} and ${describe(location)}`,
    );
  }
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    throw new InteropError(source, `persistent id of storage '${key}' gives ${describe(numel)} ${numel} as its element count`);
  }
  if (format === 'legacy' && viewMetadata !== null) {
    throw new InteropError(source, `storage '${key}' is a storage view (torch < 0.4), which is not supported`);
  }
  return { dtype, key, numel };
}

/** The element type a storage class named in a persistent id stands for (`torch.FloatStorage` -> float32). */
export function storageDtypeOf(value: Unpickled): TorchDtype | undefined {
  if (
    typeof value !== 'object' ||
    value === null ||
    !('kind' in value) ||
    value.kind !== 'global' ||
    value.global.kind !== 'marker'
  )
    return undefined;
  const className = value.name.slice(value.name.lastIndexOf('.') + 1);
  return className === 'UntypedStorage' ? 'uint8' : dtypeOfStorage(className);
}

/** What persistentLoad hands the unpickler for a storage. */
export function storageHandle(storage: TorchStorage): Handle {
  return { kind: 'handle', what: 'torch storage', value: storage };
}
