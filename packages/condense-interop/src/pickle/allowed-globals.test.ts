import { describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import { DTYPES } from '../torch/dtypes.js';
import { ElementBudget, storageHandle, TorchStorage } from '../torch/storage.js';
import type { PickleObject, TorchTensor } from '../torch/types.js';
import { DATA_ONLY_GLOBALS, describeAllowlist } from './allowed-globals.js';
import type { Unpickled } from './values.js';

function call(name: string, ...args: Unpickled[]): Unpickled {
  const global = DATA_ONLY_GLOBALS.get(name);
  if (global?.kind !== 'callable') throw new Error(`${name} is not an allowlisted callable`);
  return global.call(args, 'test.pt');
}

function refusal(name: string, ...args: Unpickled[]): string {
  try {
    call(name, ...args);
  } catch (error) {
    expect(error).toBeInstanceOf(InteropError);
    return (error as InteropError).message;
  }
  throw new Error('expected an InteropError');
}

function floatStorage(values: number[]): Unpickled {
  const storage = new TorchStorage('data/0', 'float32', values.length, new ElementBudget(1000, 'test.pt'), 'test.pt');
  storage.load(new Uint8Array(Float32Array.from(values).buffer), 'little');
  return storageHandle(storage);
}

/** numpy.dtype(name) with its BUILD state, as numpy pickles it. */
function numpyDtype(name: string, byteorder: string): PickleObject {
  const dtype = call('numpy.dtype', name, false, true) as PickleObject;
  const global = DATA_ONLY_GLOBALS.get('numpy.dtype');
  if (global?.kind !== 'callable' || !global.setState) throw new Error('numpy.dtype has no setState');
  global.setState(dtype, [3, byteorder, null, null, null, -1, -1, 0], 'test.pt');
  return dtype;
}

describe('DATA_ONLY_GLOBALS', () => {
  it('holds exactly the data-only globals torch checkpoints use', () => {
    const storages = Object.values(DTYPES).flatMap((info) => [`torch.${info.storage}`, `torch.cuda.${info.storage}`]);
    expect([...DATA_ONLY_GLOBALS.keys()].sort()).toEqual(
      [
        '_codecs.encode',
        'argparse.Namespace',
        'builtins.bytes',
        'builtins.frozenset',
        'builtins.set',
        'collections.OrderedDict',
        'numpy._core.multiarray.scalar',
        'numpy.core.multiarray.scalar',
        'numpy.dtype',
        'torch.Size',
        'torch.UntypedStorage',
        'torch._utils._rebuild_parameter',
        'torch._utils._rebuild_parameter_with_state',
        'torch._utils._rebuild_tensor',
        'torch._utils._rebuild_tensor_v2',
        'torch.storage.UntypedStorage',
        ...storages,
      ].sort(),
    );
    expect(DATA_ONLY_GLOBALS.get('torch.BFloat16Storage')).toEqual({ kind: 'marker' });
    expect(DATA_ONLY_GLOBALS.get('torch.BoolStorage')).toEqual({ kind: 'marker' });
  });

  it('sums the storage classes up in refusal messages', () => {
    expect(describeAllowlist(DATA_ONLY_GLOBALS)).toMatch(
      /^collections\.OrderedDict, .*builtins\.bytes and 22 torch storage classes such as torch\.DoubleStorage$/,
    );
  });

  it('rebuilds tensors from 6 arguments, and from torch >= 2 with a 7th metadata', () => {
    const storage = floatStorage([0, 1, 2, 3, 4, 5]);
    const tensor = call('torch._utils._rebuild_tensor_v2', storage, 1, [2, 2], [1, 2], true, new Map()) as TorchTensor;
    expect(tensor).toEqual({
      kind: 'tensor',
      dtype: 'float32',
      shape: [2, 2],
      data: Float32Array.of(1, 3, 2, 4),
      requiresGrad: true,
    });
    const withMetadata = call(
      'torch._utils._rebuild_tensor_v2',
      storage,
      0,
      [3],
      [1],
      false,
      new Map(),
      new Map(),
    ) as TorchTensor;
    expect(withMetadata.data).toEqual(Float32Array.of(0, 1, 2));
    expect((call('torch._utils._rebuild_tensor', storage, 5, [], []) as TorchTensor).data).toEqual(Float32Array.of(5));
  });

  it('checks the arguments of _rebuild_tensor_v2', () => {
    const storage = floatStorage([0, 1]);
    const name = 'torch._utils._rebuild_tensor_v2';
    expect(refusal(name, storage, 0, [2], [1], false)).toBe(
      'test.pt: torch._utils._rebuild_tensor_v2: expects 6 or 7 arguments, found 5',
    );
    expect(refusal(name, 'storage', 0, [2], [1], false, null)).toMatch(
      /expects a storage \(a persistent id\) as its first argument, found str/,
    );
    expect(refusal(name, storage, -1, [2], [1], false, null)).toMatch(
      /expects storage_offset to be a non-negative int, found -1/,
    );
    expect(refusal(name, storage, 0, [2.5], [1], false, null)).toMatch(/expects size\[0\] to be a non-negative int, found 2\.5/);
    expect(refusal(name, storage, 0, 2, [1], false, null)).toMatch(/expects size to be a tuple of ints, found int/);
    expect(refusal(name, storage, 0, [2], [1, 1], false, null)).toMatch(/size \[2\] and stride \[1,1\] differ in length/);
    expect(refusal(name, storage, 0, [2], [1], 0, null)).toMatch(/expects requires_grad to be a bool, found int/);
    expect(refusal(name, storage, 0, [2], [1], false, [])).toMatch(/expects backward_hooks to be a dict, found tuple or list/);
    expect(refusal(name, storage, 0, [3], [1], false, null)).toMatch(
      /storage 'data\/0' holds 2 elements, tensor \[3\] with strides \[1\] at offset 0 needs 3/,
    );
  });

  it('makes a Parameter its tensor with requires_grad', () => {
    const tensor = call('torch._utils._rebuild_tensor_v2', floatStorage([7]), 0, [1], [1], false, new Map()) as TorchTensor;
    expect(call('torch._utils._rebuild_parameter', tensor, true, new Map())).toBe(tensor);
    expect(tensor.requiresGrad).toBe(true);
    expect(call('torch._utils._rebuild_parameter_with_state', tensor, false, new Map(), new Map())).toBe(tensor);
    expect(tensor.requiresGrad).toBe(false);
    expect(refusal('torch._utils._rebuild_parameter', 'x', true, new Map())).toMatch(
      /_rebuild_parameter: expects a tensor as its first argument, found str/,
    );
  });

  it('builds OrderedDicts, torch.Size, sets and empty bytes', () => {
    expect(call('collections.OrderedDict')).toEqual(new Map());
    expect(
      call('collections.OrderedDict', [
        ['a', 1],
        [2, 'b'],
      ]),
    ).toEqual(
      new Map<string | number, Unpickled>([
        ['a', 1],
        [2, 'b'],
      ]),
    );
    expect(refusal('collections.OrderedDict', [[[], 1]])).toMatch(
      /expects \(key, value\) pairs with str, int, float, bool or None keys/,
    );
    expect(refusal('collections.OrderedDict', [['a']])).toMatch(/expects \(key, value\) pairs/);
    expect(call('torch.Size', [2, 3])).toEqual([2, 3]);
    expect(refusal('torch.Size', ['2'])).toMatch(/torch\.Size: expects its sizes\[0\] to be a non-negative int, found str/);
    expect(call('builtins.set', [1, 2])).toEqual([1, 2]);
    expect(call('builtins.frozenset')).toEqual([]);
    expect(call('builtins.bytes')).toEqual(new Uint8Array(0));
    expect(refusal('builtins.bytes', 'abc')).toMatch(/builtins\.bytes: expects 0 arguments, found 1/);
  });

  it('makes argparse.Namespace an object BUILD fills', () => {
    expect(call('argparse.Namespace')).toEqual({ kind: 'object', className: 'argparse.Namespace', state: new Map() });
    expect(refusal('argparse.Namespace', 1)).toMatch(/argparse\.Namespace: expects 0 arguments, found 1/);
  });

  it('encodes text as latin1 or utf-8, as protocol-2 pickles write bytes', () => {
    expect(call('_codecs.encode', '\u0000\u00ff', 'latin1')).toEqual(Uint8Array.of(0, 255));
    expect(call('_codecs.encode', 'é', 'utf-8')).toEqual(Uint8Array.of(0xc3, 0xa9));
    expect(call('_codecs.encode', 'a')).toEqual(Uint8Array.of(0x61));
    expect(refusal('_codecs.encode', '☃', 'latin1')).toMatch(/character U\+2603 has no latin1 byte/);
    expect(refusal('_codecs.encode', 'a', 'rot13')).toMatch(/encoding 'rot13' is not supported/);
  });

  it('turns numpy scalars into numbers, honouring their byte order', () => {
    const scalar = (name: string, order: string, ...bytes: number[]) =>
      call('numpy.core.multiarray.scalar', numpyDtype(name, order), Uint8Array.from(bytes));
    expect(scalar('f8', '<', 0, 0, 0, 0, 0, 0x50, 0x57, 0x40)).toBe(93.25);
    expect(scalar('f8', '>', 0x40, 0x57, 0x50, 0, 0, 0, 0, 0)).toBe(93.25);
    expect(scalar('f4', '<', 0, 0, 0xc0, 0x3f)).toBe(1.5);
    expect(scalar('f2', '<', 0x00, 0x3c)).toBe(1);
    expect(scalar('i8', '<', 0xf9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)).toBe(-7);
    expect(scalar('u8', '<', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)).toBe(2n ** 64n - 1n);
    expect(scalar('i1', '|', 0xfb)).toBe(-5);
    expect(scalar('b1', '|', 1)).toBe(true);
    expect(call('numpy._core.multiarray.scalar', numpyDtype('u2', '<'), Uint8Array.of(1, 1))).toBe(257);
  });

  it('refuses numpy scalars it cannot read', () => {
    const name = 'numpy.core.multiarray.scalar';
    expect(refusal(name, numpyDtype('c16', '<'), new Uint8Array(16))).toMatch(/numpy dtype 'c16' is not read \(f2, f4, f8, i1/);
    expect(refusal(name, numpyDtype('f8', '<'), new Uint8Array(4))).toMatch(
      /expects 8 bytes for a 'f8' scalar, found bytes of 4/,
    );
    expect(refusal(name, 'f8', new Uint8Array(8))).toMatch(/expects a numpy\.dtype as its first argument, found str/);
    expect(() => numpyDtype('f8', '!')).toThrow(/numpy\.dtype: expects a state tuple with a byte order/);
  });
});
