import { fromFloat16Bits } from '@condensenet/core';
import { InteropError } from '../errors.js';
import { DTYPES } from '../torch/dtypes.js';
import { TorchStorage } from '../torch/storage.js';
import { isTorchTensor, type PickleObject, type TorchTensor } from '../torch/types.js';
import { normaliseInt } from './text-literals.js';
import { type AllowedGlobal, type AllowedGlobals, asKey, describe, type Unpickled } from './values.js';

type Call = (args: Unpickled[], source: string) => Unpickled;

function callable(call: Call, setState?: (target: PickleObject, state: Unpickled, source: string) => void): AllowedGlobal {
  return setState ? { kind: 'callable', call, setState } : { kind: 'callable', call };
}

const MARKER: AllowedGlobal = { kind: 'marker' };

function refuse(source: string, global: string, detail: string): never {
  throw new InteropError(source, `${global}: ${detail}`);
}

function expectArgCount(source: string, global: string, args: Unpickled[], ...counts: number[]): void {
  if (!counts.includes(args.length)) refuse(source, global, `expects ${counts.join(' or ')} arguments, found ${args.length}`);
}

function nonNegativeInt(source: string, global: string, what: string, value: Unpickled): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    refuse(
      source,
      global,
      `expects ${what} to be a non-negative int, found ${typeof value === 'number' ? value : describe(value)}`,
    );
  }
  return value;
}

function intList(source: string, global: string, what: string, value: Unpickled): number[] {
  if (!Array.isArray(value)) refuse(source, global, `expects ${what} to be a tuple of ints, found ${describe(value)}`);
  return value.map((item, i) => nonNegativeInt(source, global, `${what}[${i}]`, item));
}

function bool(source: string, global: string, what: string, value: Unpickled): boolean {
  if (typeof value !== 'boolean') refuse(source, global, `expects ${what} to be a bool, found ${describe(value)}`);
  return value;
}

/** The tensor whose storage, offset, size and strides torch's `_rebuild_tensor*` are given. */
function tensorView(source: string, global: string, args: Unpickled[], requiresGrad: boolean): TorchTensor {
  const [storage, offset, size, stride] = args;
  if (
    typeof storage !== 'object' ||
    storage === null ||
    !('kind' in storage) ||
    storage.kind !== 'handle' ||
    !(storage.value instanceof TorchStorage)
  ) {
    refuse(source, global, `expects a storage (a persistent id) as its first argument, found ${describe(storage)}`);
  }
  const shape = intList(source, global, 'size', size);
  const strides = intList(source, global, 'stride', stride);
  if (strides.length !== shape.length) refuse(source, global, `size [${shape}] and stride [${strides}] differ in length`);
  return storage.value.view(nonNegativeInt(source, global, 'storage_offset', offset), shape, strides, requiresGrad);
}

/** backward_hooks and torch >= 2's metadata: an (Ordered)Dict, or absent. Neither matters to data. */
function optionalDict(source: string, global: string, what: string, value: Unpickled | undefined): void {
  if (value !== undefined && value !== null && !(value instanceof Map))
    refuse(source, global, `expects ${what} to be a dict, found ${describe(value)}`);
}

const REBUILD_TENSOR_V2 = 'torch._utils._rebuild_tensor_v2';
const rebuildTensorV2: Call = (args, source) => {
  expectArgCount(source, REBUILD_TENSOR_V2, args, 6, 7);
  optionalDict(source, REBUILD_TENSOR_V2, 'backward_hooks', args[5]);
  optionalDict(source, REBUILD_TENSOR_V2, 'metadata', args[6]);
  return tensorView(source, REBUILD_TENSOR_V2, args, bool(source, REBUILD_TENSOR_V2, 'requires_grad', args[4]));
};

const REBUILD_TENSOR = 'torch._utils._rebuild_tensor';
const rebuildTensor: Call = (args, source) => {
  expectArgCount(source, REBUILD_TENSOR, args, 4);
  return tensorView(source, REBUILD_TENSOR, args, false);
};

/** A Parameter is its tensor with requires_grad; the parameter's own Python attributes (with_state) are dropped. */
function rebuildParameter(global: string, argCount: number): Call {
  return (args, source) => {
    expectArgCount(source, global, args, argCount);
    const [data, requiresGrad, hooks] = args;
    if (!isTorchTensor(data)) refuse(source, global, `expects a tensor as its first argument, found ${describe(data)}`);
    optionalDict(source, global, 'backward_hooks', hooks);
    data.requiresGrad = bool(source, global, 'requires_grad', requiresGrad);
    return data;
  };
}

const ORDERED_DICT = 'collections.OrderedDict';
const orderedDict: Call = (args, source) => {
  expectArgCount(source, ORDERED_DICT, args, 0, 1);
  const dict = new Map();
  if (args.length === 0) return dict;
  const [pairs] = args;
  if (!Array.isArray(pairs)) refuse(source, ORDERED_DICT, `expects a list of (key, value) pairs, found ${describe(pairs)}`);
  for (const pair of pairs) {
    const key = Array.isArray(pair) && pair.length === 2 ? asKey(pair[0]) : undefined;
    if (key === undefined || !Array.isArray(pair))
      refuse(source, ORDERED_DICT, `expects (key, value) pairs with str, int, float, bool or None keys, found ${describe(pair)}`);
    dict.set(key, pair[1]);
  }
  return dict;
};

const TORCH_SIZE = 'torch.Size';
const torchSize: Call = (args, source) => {
  expectArgCount(source, TORCH_SIZE, args, 0, 1);
  return args.length === 0 ? [] : intList(source, TORCH_SIZE, 'its sizes', args[0]);
};

/** set(), set(list), frozenset(...): arrays, as the set opcodes give. */
function setOf(global: string): Call {
  return (args, source) => {
    expectArgCount(source, global, args, 0, 1);
    if (args.length === 0) return [];
    const [items] = args;
    if (!Array.isArray(items)) refuse(source, global, `expects a list of items, found ${describe(items)}`);
    return [...items];
  };
}

/** Protocol-2 pickles write an empty bytes object as `bytes()`. */
const emptyBytes: Call = (args, source) => {
  expectArgCount(source, 'builtins.bytes', args, 0);
  return new Uint8Array(0);
};

const NAMESPACE = 'argparse.Namespace';
const namespace: Call = (args, source) => {
  expectArgCount(source, NAMESPACE, args, 0);
  return { kind: 'object', className: NAMESPACE, state: new Map() };
};

/**
 * Protocol-2 pickles write non-empty bytes as `_codecs.encode(text, 'latin1')` (Python 3
 * bytes have no protocol-2 opcode); numpy scalars' raw bytes come this way.
 */
const CODECS_ENCODE = '_codecs.encode';
const codecsEncode: Call = (args, source) => {
  expectArgCount(source, CODECS_ENCODE, args, 1, 2);
  const [text, encoding = 'utf-8'] = args;
  if (typeof text !== 'string' || typeof encoding !== 'string') {
    refuse(source, CODECS_ENCODE, `expects (str, encoding), found (${describe(text)}, ${describe(encoding)})`);
  }
  const name = encoding.toLowerCase().replace(/_/g, '-');
  if (name === 'utf-8' || name === 'utf8') return new TextEncoder().encode(text);
  if (!['latin1', 'latin-1', 'iso-8859-1', 'iso8859-1', 'l1'].includes(name)) {
    refuse(source, CODECS_ENCODE, `encoding '${encoding}' is not supported (latin1 or utf-8 expected)`);
  }
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) refuse(source, CODECS_ENCODE, `character U+${code.toString(16).padStart(4, '0')} has no latin1 byte`);
    bytes[i] = code;
  }
  return bytes;
};

const NUMPY_DTYPE = 'numpy.dtype';
/** numpy.dtype('f8', False, True): the dtype's name; BUILD then sets its byte order. */
const numpyDtype: Call = (args, source) => {
  expectArgCount(source, NUMPY_DTYPE, args, 1, 2, 3);
  const [name] = args;
  if (typeof name !== 'string') refuse(source, NUMPY_DTYPE, `expects a dtype name, found ${describe(name)}`);
  return {
    kind: 'object',
    className: NUMPY_DTYPE,
    state: new Map([
      ['name', name],
      ['byteorder', '='],
    ]),
  };
};

/** A dtype's state tuple: (version, byteorder, subarray, names, fields, elsize, alignment, flags). */
function setNumpyDtypeState(target: PickleObject, state: Unpickled, source: string): void {
  const byteorder = Array.isArray(state) ? state[1] : undefined;
  if (typeof byteorder !== 'string' || !['<', '>', '|', '='].includes(byteorder)) {
    refuse(source, NUMPY_DTYPE, `expects a state tuple with a byte order ('<', '>', '|' or '='), found ${describe(state)}`);
  }
  target.state.set('byteorder', byteorder);
}

const NUMPY_SCALARS: Record<
  string,
  { size: number; read: (view: DataView, littleEndian: boolean) => number | bigint | boolean }
> = {
  f2: { size: 2, read: (v, le) => fromFloat16Bits(v.getUint16(0, le)) },
  f4: { size: 4, read: (v, le) => v.getFloat32(0, le) },
  f8: { size: 8, read: (v, le) => v.getFloat64(0, le) },
  i1: { size: 1, read: (v) => v.getInt8(0) },
  i2: { size: 2, read: (v, le) => v.getInt16(0, le) },
  i4: { size: 4, read: (v, le) => v.getInt32(0, le) },
  i8: { size: 8, read: (v, le) => normaliseInt(v.getBigInt64(0, le)) },
  u1: { size: 1, read: (v) => v.getUint8(0) },
  u2: { size: 2, read: (v, le) => v.getUint16(0, le) },
  u4: { size: 4, read: (v, le) => v.getUint32(0, le) },
  u8: { size: 8, read: (v, le) => normaliseInt(v.getBigUint64(0, le)) },
  b1: { size: 1, read: (v) => v.getUint8(0) !== 0 },
};

/** numpy.core.multiarray.scalar(dtype, raw bytes): what `best_prec1` is when it was a numpy float. */
function numpyScalar(global: string): Call {
  return (args, source) => {
    expectArgCount(source, global, args, 2);
    const [dtype, bytes] = args;
    if (
      typeof dtype !== 'object' ||
      dtype === null ||
      !('kind' in dtype) ||
      dtype.kind !== 'object' ||
      dtype.className !== NUMPY_DTYPE
    ) {
      refuse(source, global, `expects a numpy.dtype as its first argument, found ${describe(dtype)}`);
    }
    const name = dtype.state.get('name');
    const kind = typeof name === 'string' ? NUMPY_SCALARS[name] : undefined;
    if (kind === undefined) {
      refuse(source, global, `numpy dtype '${String(name)}' is not read (${Object.keys(NUMPY_SCALARS).join(', ')} are)`);
    }
    if (!(bytes instanceof Uint8Array) || bytes.length !== kind.size) {
      refuse(
        source,
        global,
        `expects ${kind.size} bytes for a '${name}' scalar, found ${describe(bytes)}${bytes instanceof Uint8Array ? ` of ${bytes.length}` : ''}`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    return kind.read(view, dtype.state.get('byteorder') !== '>');
  };
}

function storageClasses(): [string, AllowedGlobal][] {
  const names = Object.values(DTYPES).flatMap((info) => [`torch.${info.storage}`, `torch.cuda.${info.storage}`]);
  return [...names, 'torch.UntypedStorage', 'torch.storage.UntypedStorage'].map((name) => [name, MARKER]);
}

/**
 * The globals a torch checkpoint names that build only data: dicts, tensors from storages,
 * argparse arguments, numpy scalars. Every function here is pure and checks its arguments.
 */
export const DATA_ONLY_GLOBALS: AllowedGlobals = new Map<string, AllowedGlobal>([
  [ORDERED_DICT, callable(orderedDict)],
  [REBUILD_TENSOR_V2, callable(rebuildTensorV2)],
  [REBUILD_TENSOR, callable(rebuildTensor)],
  ['torch._utils._rebuild_parameter', callable(rebuildParameter('torch._utils._rebuild_parameter', 3))],
  ['torch._utils._rebuild_parameter_with_state', callable(rebuildParameter('torch._utils._rebuild_parameter_with_state', 4))],
  [TORCH_SIZE, callable(torchSize)],
  [NAMESPACE, callable(namespace)],
  ['numpy.core.multiarray.scalar', callable(numpyScalar('numpy.core.multiarray.scalar'))],
  ['numpy._core.multiarray.scalar', callable(numpyScalar('numpy._core.multiarray.scalar'))],
  [NUMPY_DTYPE, callable(numpyDtype, setNumpyDtypeState)],
  [CODECS_ENCODE, callable(codecsEncode)],
  ['builtins.set', callable(setOf('builtins.set'))],
  ['builtins.frozenset', callable(setOf('builtins.frozenset'))],
  ['builtins.bytes', callable(emptyBytes)],
  ...storageClasses(),
]);

/** The allowlist for a refusal message, its storage classes summed up. */
export function describeAllowlist(globals: AllowedGlobals): string {
  const names = [...globals.keys()];
  const storages = names.filter((name) => name.endsWith('Storage'));
  const others = names.filter((name) => !name.endsWith('Storage'));
  return storages.length > 0
    ? `${others.join(', ')} and ${storages.length} torch storage classes such as ${storages[0]}`
    : others.join(', ');
}
