import { describe, expect, it } from 'vitest';
import { DATA_ONLY_GLOBALS } from '../pickle/allowed-globals.js';
import type { GlobalRef, Unpickled } from '../pickle/values.js';
import { ElementBudget, parseStorageId, storageDtypeOf, TorchStorage } from './storage.js';
import type { TorchDtype } from './types.js';

const source = 'test.pt';

function storage(dtype: TorchDtype, bytes: Uint8Array, budget = 1000): TorchStorage {
  const size = { float64: 8, float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 }[
    dtype
  ];
  const result = new TorchStorage('data/0', dtype, bytes.length / size, new ElementBudget(budget, source), source);
  result.load(bytes, 'little');
  return result;
}

const bytesOf = (array: ArrayBufferView): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
const floats = (...values: number[]) => storage('float32', bytesOf(Float32Array.from(values)));

function ref(name: string): GlobalRef {
  const global = DATA_ONLY_GLOBALS.get(name);
  if (!global) throw new Error(name);
  return { kind: 'global', name, global };
}

describe('TorchStorage views', () => {
  it('materialises transposed, sliced and stepped views in C order', () => {
    const base = floats(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    expect(base.view(0, [4, 3], [1, 4], false).data).toEqual(Float32Array.of(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11));
    expect(base.view(5, [2, 2], [4, 1], false).data).toEqual(Float32Array.of(5, 6, 9, 10));
    expect(base.view(0, [3, 2], [4, 2], false).data).toEqual(Float32Array.of(0, 2, 4, 6, 8, 10));
    expect(base.view(1, [2, 3], [0, 1], false).data).toEqual(Float32Array.of(1, 2, 3, 1, 2, 3));
    expect(base.view(7, [], [], false)).toEqual({
      kind: 'tensor',
      dtype: 'float32',
      shape: [],
      data: Float32Array.of(7),
      requiresGrad: false,
    });
    expect(base.view(11, [1, 1], [99, 99], true).data).toEqual(Float32Array.of(11));
  });

  it('gives each view its own copy', () => {
    const shared = floats(1, 2, 3, 4);
    const head = shared.view(0, [3], [1], false);
    const tail = shared.view(1, [3], [1], false);
    head.data[1] = 100;
    expect(tail.data).toEqual(Float32Array.of(2, 3, 4));
  });

  it('fills views made before the bytes arrive (legacy files)', () => {
    const later = new TorchStorage('k', 'int32', 3, new ElementBudget(100, source), source);
    const tensor = later.view(1, [2], [1], false);
    expect(later.loaded).toBe(false);
    expect(tensor.data).toEqual(new Int32Array(0));
    later.load(bytesOf(Int32Array.of(5, 6, 7)), 'little');
    expect(later.loaded).toBe(true);
    expect(tensor.data).toEqual(Int32Array.of(6, 7));
  });

  it('refuses a view reaching past the storage, before its bytes are there', () => {
    const pending = new TorchStorage('data/3', 'float32', 6, new ElementBudget(100, source), source);
    expect(() => pending.view(2, [2, 3], [3, 1], false)).toThrow(
      "test.pt: storage 'data/3' holds 6 elements, tensor [2,3] with strides [3,1] at offset 2 needs 8",
    );
    expect(() => pending.view(0, [2 ** 40, 2 ** 40], [2 ** 40, 1], false)).toThrow(
      /storage 'data\/3' holds 6 elements, tensor \[1099511627776,1099511627776\] with strides \[1099511627776,1\] at offset 0 needs 1\.2\d+e\+24/,
    );
    expect(pending.view(6, [0, 3], [3, 1], false).data).toEqual(new Float32Array(0));
  });

  it('caps what all views of a file materialise at the bytes the file has', () => {
    const budget = new ElementBudget(10, source);
    const one = new TorchStorage('data/0', 'float32', 1, budget, source);
    one.view(0, [6], [0], false);
    expect(() => one.view(0, [5], [0], false)).toThrow(
      "test.pt: tensor [5] needs 5 elements, but the file's size leaves room for only 4 more (all tensors together hold at most one element per byte of the file): the file is truncated, or its views overlap or expand their storages",
    );
  });

  it('refuses bytes that do not match the element count', () => {
    const short = new TorchStorage('data/1', 'int64', 4, new ElementBudget(100, source), source);
    expect(() => short.load(new Uint8Array(24), 'little')).toThrow(
      "test.pt: storage 'data/1' holds 24 bytes; 4 int64 elements need 32",
    );
  });
});

describe('TorchStorage dtypes', () => {
  it('widens float16, bfloat16 and float64 to float32', () => {
    expect(storage('float16', bytesOf(Uint16Array.of(0x3c00, 0xc100, 0x7bff, 0x0001))).view(0, [4], [1], false).data).toEqual(
      Float32Array.of(1, -2.5, 65504, 2 ** -24),
    );
    expect(storage('bfloat16', bytesOf(Uint16Array.of(0x3f80, 0xc020))).view(0, [2], [1], false).data).toEqual(
      Float32Array.of(1, -2.5),
    );
    const doubles = storage('float64', bytesOf(Float64Array.of(1 / 3, 1e300, 2.5)));
    expect(doubles.view(0, [3], [1], false).data).toEqual(Float32Array.of(1 / 3, Infinity, 2.5));
  });

  it('reads signed integers into Int32Array, uint8 and bool into Uint8Array', () => {
    expect(storage('int64', bytesOf(BigInt64Array.of(-1n, 2n ** 31n - 1n, -(2n ** 31n)))).view(0, [3], [1], false).data).toEqual(
      Int32Array.of(-1, 2 ** 31 - 1, -(2 ** 31)),
    );
    expect(storage('int16', bytesOf(Int16Array.of(-300, 7))).view(0, [2], [1], false).data).toEqual(Int32Array.of(-300, 7));
    expect(storage('int8', Uint8Array.of(0x80, 5)).view(0, [2], [1], false).data).toEqual(Int32Array.of(-128, 5));
    expect(storage('int32', bytesOf(Int32Array.of(1, -2, 3))).view(0, [2], [2], false).data).toEqual(Int32Array.of(1, 3));
    expect(storage('uint8', Uint8Array.of(0, 255)).view(0, [2], [1], false).data).toEqual(Uint8Array.of(0, 255));
    expect(storage('bool', Uint8Array.of(0, 1, 2)).view(0, [3], [1], false).data).toEqual(Uint8Array.of(0, 1, 1));
  });

  it('names an int64 that does not fit in int32', () => {
    const big = storage('int64', bytesOf(BigInt64Array.of(1n, 2n ** 40n)));
    expect(() => big.view(0, [2], [1], false)).toThrow(
      "test.pt: int64 storage 'data/0' holds 1099511627776 at element 1, which does not fit the Int32Array int64 tensors are read into",
    );
    expect(big.view(0, [1], [1], false).data).toEqual(Int32Array.of(1));
    expect(() => storage('int64', bytesOf(BigInt64Array.of(-(2n ** 31n) - 1n))).view(0, [1], [1], false)).toThrow(
      /holds -2147483649 at element 0/,
    );
  });

  it('swaps big-endian storages', () => {
    const big = new TorchStorage('data/0', 'float32', 2, new ElementBudget(100, source), source);
    big.load(Uint8Array.of(0x3f, 0xc0, 0, 0, 0xc0, 0x10, 0, 0), 'big');
    expect(big.view(0, [2], [1], false).data).toEqual(Float32Array.of(1.5, -2.25));
  });
});

describe('persistent ids', () => {
  const float = ref('torch.FloatStorage');

  it('reads a zip id and a legacy id', () => {
    expect(parseStorageId(['storage', float, '7', 'cuda:0', 12], 'zip', source)).toEqual({
      dtype: 'float32',
      key: '7',
      numel: 12,
    });
    expect(parseStorageId(['storage', ref('torch.cuda.LongStorage'), '140', 'cpu', 3, null], 'legacy', source)).toEqual({
      dtype: 'int64',
      key: '140',
      numel: 3,
    });
    expect(storageDtypeOf(ref('torch.UntypedStorage'))).toBe('uint8');
    expect(storageDtypeOf(ref('torch.BFloat16Storage'))).toBe('bfloat16');
    expect(storageDtypeOf(ref('collections.OrderedDict'))).toBeUndefined();
  });

  it.each<[string, Unpickled, 'zip' | 'legacy', RegExp]>([
    ['not a tuple', 'storage', 'zip', /persistent id str is not \('storage', storage_type, key, location, numel\)/],
    ['too short', ['storage', float, '0', 'cpu'], 'zip', /persistent id tuple or list of 4 items is not/],
    ['a module', ['module', float, '0', 'cpu', 1], 'zip', /is not \('storage'/],
    ['no storage class', ['storage', 'FloatStorage', '0', 'cpu', 1], 'zip', /names str where a torch storage class was expected/],
    [
      'a class that is no storage',
      ['storage', ref('collections.OrderedDict'), '0', 'cpu', 1],
      'zip',
      /names global 'collections\.OrderedDict' where a torch storage class/,
    ],
    ['an int key', ['storage', float, 0, 'cpu', 1], 'zip', /key and location must be str, found int and str/],
    ['a negative count', ['storage', float, '0', 'cpu', -1], 'zip', /storage '0' gives int -1 as its element count/],
    ['a view', ['storage', float, '0', 'cpu', 4, ['1', 0, 2]], 'legacy', /storage '0' is a storage view \(torch < 0\.4\)/],
  ])('refuses an id that is %s', (_, pid, format, message) => {
    expect(() => parseStorageId(pid, format, source)).toThrow(message);
  });
});
