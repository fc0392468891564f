import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goldenCase, pthRoot } from '@condensenet/golden-fixtures';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import { describeWithTorch } from '../test-support/python-torch.js';
import { readTorchFile } from './read.js';
import type { TorchDtype } from './types.js';
import type { TensorToWrite, WritableKey, WritableValue } from './write.js';
import { encodeTorchZip } from './write.js';

function tensor(dtype: TorchDtype, shape: number[], data: TensorToWrite['data'], requiresGrad?: boolean): TensorToWrite {
  return requiresGrad === undefined ? { kind: 'tensor', dtype, shape, data } : { kind: 'tensor', dtype, shape, data, requiresGrad };
}

const f32 = (shape: number[], values: number[], requiresGrad?: boolean) => tensor('float32', shape, Float32Array.from(values), requiresGrad);

/** Float inputs whose float16 and bfloat16 roundings torch gives as below (torch 1.13, from float32). */
const ROUNDED_INPUTS = [0.1, 65504, 1e-8, 3e-8, -2.5, 70000, 1 / 3, Infinity, NaN];
const AS_FLOAT16 = [0.0999755859375, 65504, 0, 2 ** -24, -2.5, Infinity, 0.333251953125, Infinity, NaN];
const AS_BFLOAT16 = [0.10009765625, 65536, 1.34375 * 2 ** -27, 3.003515303134918e-8, -2.5, 70144, 0.333984375, Infinity, NaN];

/** Every tensor kind, int, string and container torch 1.13's weights_only loader accepts (it has no BINFLOAT). */
function everything(): WritableValue {
  const shared = f32([2], [1.5, -2]);
  return {
    tensors: {
      float32: f32([2, 3], [0, 1, -1, 0.1, 3.4e38, -1e-45]),
      float32_from_float64: tensor('float32', [3], Float64Array.from([0.1, 1e39, 1 / 3])),
      float64: tensor('float64', [5], Float64Array.from([0.1, 1e300, -0, -Infinity, NaN])),
      float16: tensor('float16', [9], Float32Array.from(ROUNDED_INPUTS)),
      bfloat16: tensor('bfloat16', [3, 3], Float32Array.from(ROUNDED_INPUTS)),
      int64: tensor('int64', [3], BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 0n])),
      int64_from_int32: tensor('int64', [2, 2], Int32Array.from([-5, 7, 2147483647, -2147483648])),
      int32: tensor('int32', [2], Int32Array.from([-2147483648, 2147483647])),
      int16: tensor('int16', [2], Int32Array.from([-32768, 32767])),
      int8: tensor('int8', [2], Int32Array.from([-128, 127])),
      uint8: tensor('uint8', [3], Uint8Array.from([0, 128, 255])),
      bool: tensor('bool', [4], Uint8Array.from([0, 1, 1, 0])),
      scalar: tensor('int64', [], Int32Array.from([3])),
      scalar_float: f32([], [2.5]),
      empty: f32([0], []),
      empty_3d: f32([2, 0, 3], []),
      parameter: f32([2, 2], [1, 2, 3, 4], true),
      bfloat16_parameter: tensor('bfloat16', [1], Float32Array.from([-2.5]), true),
    },
    state_dict: new Map<WritableKey, WritableValue>([
      ['features.conv_1.conv.weight', f32([4, 2, 1, 1], [1, 2, 3, 4, 5, 6, 7, 8])],
      ['features.conv_1.index', tensor('int64', [2], Int32Array.from([1, 0]))],
      ['features.conv_1.norm.num_batches_tracked', tensor('int64', [], Int32Array.from([0]))],
    ]),
    ints: [0, 1, 255, 256, 65535, 65536, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2n ** 100n, -(2n ** 70n)],
    other: [true, false, null, '', 'ünïcødé ✓ 🔥', 'line\nbreak "quoted"', 'ünïcødé ✓ 🔥'],
    containers: [[], {}, new Map(), { tuple: [] }, { tuple: [1] }, { tuple: [1, 'a', [2]] }, { tuple: [1, 2, 3, 4, { tuple: [5] }] }, [[[]]]],
    'ключ 🔑': { '重み': 'unicode keys' },
    odd_keys: new Map<WritableKey, WritableValue>([
      [7, 'int key'],
      [true, 'bool key'],
      [null, 'None key'],
      [2n ** 64n, 'big int key'],
    ]),
    shared: [shared, shared, { tuple: [shared] }],
    long_list: Array.from({ length: 1001 }, (_, i) => i),
    many_entries: new Map(Array.from({ length: 1001 }, (_, i) => [`layer_${i}.weight`, i] as [string, number])),
  };
}

/** What main.py's save_checkpoint writes, with Python floats (plain torch.load only in torch 1.13). */
function checkpoint(): WritableValue {
  const weight = f32([2, 1, 1, 1], [0.25, -0.75]);
  return {
    epoch: 6,
    arch: 'condensenet',
    state_dict: new Map<WritableKey, WritableValue>([
      ['module.features.init_conv.weight', weight],
      ['module.features.norm_last.num_batches_tracked', tensor('int64', [], Int32Array.from([8]))],
    ]),
    best_prec1: { float: 0 },
    optimizer: {
      state: new Map<WritableKey, WritableValue>([[0, { momentum_buffer: f32([2, 1, 1, 1], [0.5, 0.125]) }]]),
      param_groups: [{ lr: 0.1, momentum: 0.9, dampening: 0, weight_decay: 0.0001, nesterov: true, params: [0] }],
    },
    floats: [0.5, 1e300, { float: -0 }, { float: 3 }, Infinity, -Infinity, NaN, 5e-324],
    float_keys: new Map<WritableKey, WritableValue>([[0.5, 'float key']]),
  };
}

// ---- expectations: the description the Python script below prints, derived from the value ----

type Described = null | { [tag: string]: unknown };

const pyFloat = (x: number): number | string => (Number.isFinite(x) ? x : Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf');

function expectedElements(t: TensorToWrite): unknown[] {
  const values = Array.from(t.data as ArrayLike<number | bigint>);
  switch (t.dtype) {
    case 'bool':
      return values.map((v) => v !== 0);
    case 'float64':
      return values.map((v) => pyFloat(Number(v)));
    case 'float32':
      return values.map((v) => pyFloat(Math.fround(Number(v))));
    case 'float16':
    case 'bfloat16': {
      const table = t.dtype === 'float16' ? AS_FLOAT16 : AS_BFLOAT16;
      return values.map((v) => {
        const index = ROUNDED_INPUTS.findIndex((input) => Object.is(Math.fround(input), Number(v)));
        if (index < 0) throw new Error(`no known ${t.dtype} rounding for ${v}`);
        return pyFloat(table[index]);
      });
    }
    default:
      return values.map((v) => String(v));
  }
}

function contiguousStride(shape: number[]): number[] {
  let step = 1;
  return shape
    .map((_, i) => shape.length - 1 - i)
    .map((i) => {
      const stride = step;
      step *= Math.max(shape[i], 1);
      return stride;
    })
    .reverse();
}

function described(value: WritableValue, refs = new Map<object, number>()): Described {
  if (value === null) return null;
  if (typeof value === 'boolean') return { bool: value };
  if (typeof value === 'bigint') return { int: String(value) };
  if (typeof value === 'number') return Number.isSafeInteger(value) ? { int: String(value) } : { float: pyFloat(value) };
  if (typeof value === 'string') return { str: value };
  if (Array.isArray(value)) return { list: value.map((v) => described(v, refs)) };
  if (value instanceof Map) {
    return { OrderedDict: [...value].map(([k, v]) => [described(k, refs), described(v, refs)]) };
  }
  if ((value as TensorToWrite).kind === 'tensor') {
    const t = value as TensorToWrite;
    if (refs.has(t)) return { ref: refs.get(t) };
    refs.set(t, refs.size);
    return {
      [t.requiresGrad ? 'parameter' : 'tensor']: {
        dtype: t.dtype,
        shape: t.shape,
        stride: contiguousStride([...t.shape]),
        offset: 0,
        requires_grad: t.requiresGrad ?? false,
        values: expectedElements(t),
      },
    };
  }
  const keys = Object.keys(value);
  const record = value as Record<string, WritableValue>;
  if (keys.length === 1 && keys[0] === 'tuple' && Array.isArray(record.tuple)) return { tuple: record.tuple.map((v) => described(v, refs)) };
  if (keys.length === 1 && keys[0] === 'float' && typeof record.float === 'number') return { float: pyFloat(record.float) };
  return { dict: keys.map((k) => [{ str: k }, described(record[k], refs)]) };
}

// ---- what torch makes of a file ----

const DESCRIBE = String.raw`
import collections, difflib, io, json, math, pickletools, struct, sys, zipfile
import torch

path, loaders = sys.argv[1], sys.argv[2].split(',')

def py_float(x):
    return x if math.isfinite(x) else repr(x)

def describe(v, refs):
    if isinstance(v, torch.Tensor):
        if id(v) in refs:
            return {'ref': refs[id(v)]}
        refs[id(v)] = len(refs)
        flat = v.detach().reshape(-1)
        if v.dtype == torch.bool:
            values = flat.tolist()
        elif v.is_floating_point():
            values = [py_float(x) for x in flat.double().tolist()]
        else:
            values = [str(x) for x in flat.tolist()]
        kind = 'parameter' if isinstance(v, torch.nn.Parameter) else 'tensor'
        return {kind: {'dtype': str(v.dtype)[len('torch.'):], 'shape': list(v.shape), 'stride': list(v.stride()),
                       'offset': v.storage_offset(), 'requires_grad': v.requires_grad, 'values': values}}
    if v is None:
        return None
    if isinstance(v, bool):
        return {'bool': v}
    if isinstance(v, int):
        return {'int': str(v)}
    if isinstance(v, float):
        return {'float': py_float(v)}
    if isinstance(v, str):
        return {'str': v}
    if isinstance(v, list):
        return {'list': [describe(x, refs) for x in v]}
    if isinstance(v, tuple):
        return {'tuple': [describe(x, refs) for x in v]}
    if type(v) in (dict, collections.OrderedDict):
        return {type(v).__name__: [[describe(k, refs), describe(x, refs)] for k, x in v.items()]}
    raise TypeError('unexpected %r' % type(v))

def disassembly(data):
    out = io.StringIO()
    pickletools.dis(data, out)
    return out.getvalue().splitlines()

report = {}
for loader in loaders:
    loaded = torch.load(path, weights_only=(loader == 'weights_only'))
    report[loader] = describe(loaded, {})

raw = open(path, 'rb').read()
archive = zipfile.ZipFile(path)
report['bad_crc'] = archive.testzip()
report['records'] = archive.namelist()
misaligned = []
for info in archive.infolist():
    name_length, extra_length = struct.unpack_from('<HH', raw, info.header_offset + 26)
    if (info.header_offset + 30 + name_length + extra_length) % 64:
        misaligned.append(info.filename)
report['misaligned'] = misaligned

# torch.save of what torch loaded must write the very pickle and records we wrote.
buffer = io.BytesIO()
torch.save(torch.load(path), buffer)
theirs = zipfile.ZipFile(buffer)
prefix = archive.namelist()[0].split('/')[0] + '/'
ours_pickle = archive.read(prefix + 'data.pkl')
theirs_pickle = theirs.read('archive/data.pkl')
report['pickle_diff'] = '\n'.join(difflib.unified_diff(disassembly(theirs_pickle), disassembly(ours_pickle), 'torch.save', 'ours', lineterm='', n=2))
report['different_records'] = [name for name in theirs.namelist() if name.startswith('archive/data/')
                               and theirs.read(name) != archive.read(prefix + name[len('archive/'):])]
print(json.dumps(report))
`;

const scratch = mkdtempSync(join(tmpdir(), 'torch-write-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function writeScratch(name: string, bytes: Uint8Array): string {
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
}

/** The record names torch would list for a value holding `storages` tensors. */
function records(archive: string, storages: number): string[] {
  const data = Array.from({ length: storages }, (_, i) => `${archive}/data/${i}`);
  return [`${archive}/data.pkl`, `${archive}/byteorder`, ...data, `${archive}/version`];
}

describeWithTorch('encodeTorchZip read by torch', (python) => {
  const load = (path: string, loaders: string[]) => JSON.parse(python.run(DESCRIBE, [path, loaders.join(',')]));

  it('loads with torch.load and weights_only=True as exactly the value written, as torch.save would write it', () => {
    const value = everything();
    const report = load(writeScratch('everything.pth', encodeTorchZip(value)), ['weights_only', 'plain']);
    const expected = described(value);
    expect(report.weights_only).toEqual(expected);
    expect(report.plain).toEqual(expected);
    expect(report.bad_crc).toBeNull();
    expect(report.misaligned).toEqual([]);
    expect(report.records).toEqual(records('archive', 22));
    expect(report.pickle_diff).toBe('');
    expect(report.different_records).toEqual([]);
  });

  it('writes Python floats a plain torch.load reads (1.13 weights_only has no float opcode), under any archive name', () => {
    const value = checkpoint();
    const report = load(writeScratch('checkpoint.pth.tar', encodeTorchZip(value, { archiveName: 'checkpoint_006' })), ['plain']);
    expect(report.plain).toEqual(described(value));
    expect(report.bad_crc).toBeNull();
    expect(report.misaligned).toEqual([]);
    expect(report.records).toEqual(records('checkpoint_006', 3));
    expect(report.pickle_diff).toBe('');
    expect(report.different_records).toEqual([]);
  });
});

const SAME_AS_ORIGINAL = `
import json, sys
import torch

def differences(a, b, at):
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
            return [at + ': tensor against non-tensor']
        if a.dtype != b.dtype or a.shape != b.shape or not torch.equal(a, b):
            return ['%s: %s%s against %s%s' % (at, a.dtype, list(a.shape), b.dtype, list(b.shape))]
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return [at + ': keys differ']
        return [d for k in a for d in differences(a[k], b[k], '%s[%r]' % (at, k))]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return [at + ': lengths differ']
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, '%s[%d]' % (at, i))]
    # The reader gives Python floats that hold integers back as JS numbers, written as ints.
    return [] if a == b and type(a) in (type(b), int, float) else ['%s: %r against %r' % (at, a, b)]

print(json.dumps(differences(torch.load(sys.argv[1]), torch.load(sys.argv[2]), 'root')))
`;

describeWithTorch('encodeTorchZip rewriting a real checkpoint', (python) => {
  for (const file of ['checkpoint_006.pth.tar', 'converted_checkpoint_006_legacy.pth.tar']) {
    it(`is read by torch as the ${file} torch wrote`, () => {
      const original = join(pthRoot, file);
      const { root } = readTorchFile(new Uint8Array(readFileSync(original)), file);
      const rewritten = writeScratch(`rewritten-${file}`, encodeTorchZip(root as WritableValue));
      expect(JSON.parse(python.run(SAME_AS_ORIGINAL, [rewritten, original]))).toEqual([]);
    });
  }
});

// ---- the authors' converted model loads a state_dict we wrote ----

// The authors' code sits in the shared folder beside the checkout (as in CI); a user's clone lacks it.
const REFERENCE_CODE = fileURLToPath(new URL('../../../../../shared/reference/condensenet-official', import.meta.url));
const hasReferenceCode = existsSync(join(REFERENCE_CODE, 'models', 'condensenet_converted.py'));

const RUN_CONVERTED = `
import argparse, json, sys
import torch
path, reference, config = sys.argv[1:4]
sys.path.insert(0, reference)
from models.condensenet_converted import CondenseNet
model = CondenseNet(argparse.Namespace(**json.load(open(config))['args']))
saved = torch.load(path, weights_only=True)
model.load_state_dict(saved['state_dict'], strict=True)
model.eval()
with torch.no_grad():
    logits = model(saved['x'])
print(json.dumps({'shape': list(logits.shape), 'logits': logits.double().reshape(-1).tolist()}))
`;

describeWithTorch("the authors' converted CondenseNet", (python) => {
  const test = hasReferenceCode ? it : it.skip;
  const reason = hasReferenceCode ? '' : ` (skipped: ${REFERENCE_CODE} is not on this machine)`;

  test(`loads a state_dict written from the golden tensors and gives converted.logits to 1e-5${reason}`, () => {
    const golden = goldenCase('condensenet_tiny');
    const keys = golden.names('converted.').filter((name) => name !== 'converted.logits' && !name.startsWith('converted.act.'));
    const stateDict = new Map<WritableKey, WritableValue>(
      keys.map((name) => {
        const t = golden.tensor(name);
        // The golden int32 files hold torch int64 tensors: indices and num_batches_tracked.
        return [name.slice('converted.'.length), tensor(t.dtype === 'int32' ? 'int64' : 'float32', t.shape, t.data)];
      }),
    );
    const x = golden.tensor('x');
    const path = writeScratch('converted.pth', encodeTorchZip({ state_dict: stateDict, x: tensor('float32', x.shape, x.data) }));
    const result = JSON.parse(python.run(RUN_CONVERTED, [path, REFERENCE_CODE, join(golden.dir, 'config.json')]));
    const expected = golden.tensor('converted.logits');
    expect(result.shape).toEqual(expected.shape);
    result.logits.forEach((v: number, i: number) => expect(Math.abs(v - expected.data[i])).toBeLessThanOrEqual(1e-5));
  });
});

// ---- without torch ----

describe('encodeTorchZip archive', () => {
  it('holds data.pkl, byteorder, one little-endian record per tensor and version, in that order', () => {
    const zip = encodeTorchZip({
      a: f32([2], [1, -2]),
      b: tensor('int64', [2], Int32Array.from([1, -1])),
      c: tensor('float16', [1], Float32Array.from([1])),
    });
    const files = unzipSync(zip);
    expect(Object.keys(files)).toEqual(records('archive', 3));
    expect(new TextDecoder().decode(files['archive/byteorder'])).toBe('little');
    expect(new TextDecoder().decode(files['archive/version'])).toBe('3\n');
    expect([...files['archive/data.pkl'].subarray(0, 2)]).toEqual([0x80, 2]);
    expect(files['archive/data/0']).toEqual(new Uint8Array(Float32Array.from([1, -2]).buffer));
    expect(files['archive/data/1']).toEqual(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]));
    expect(files['archive/data/2']).toEqual(Uint8Array.from([0x00, 0x3c]));
  });

  it('writes a tensor met twice once', () => {
    const shared = f32([1], [1]);
    expect(Object.keys(unzipSync(encodeTorchZip([shared, shared, { again: shared }])))).toEqual(records('archive', 1));
  });

  it('gives the same bytes for the same value', () => {
    expect(encodeTorchZip(everything())).toEqual(encodeTorchZip(everything()));
    expect(encodeTorchZip(checkpoint(), { archiveName: 'x' })).toEqual(encodeTorchZip(checkpoint(), { archiveName: 'x' }));
  });
});

describe('encodeTorchZip refuses', () => {
  const refusal = (value: unknown, options?: { archiveName?: string }): InteropError => {
    try {
      encodeTorchZip(value as WritableValue, options);
    } catch (error) {
      expect(error).toBeInstanceOf(InteropError);
      return error as InteropError;
    }
    throw new Error('encodeTorchZip accepted the value');
  };

  it('tensor data whose length does not match the shape, naming the tensor', () => {
    const error = refusal({ state_dict: new Map([['conv.weight', f32([2, 3], [1, 2, 3, 4, 5])]]) });
    expect(error.message).toBe('value["state_dict"]["conv.weight"]: tensor data holds 5 elements; shape [2, 3] needs 6');
  });

  it('shapes that are not lists of non-negative integers', () => {
    expect(refusal({ t: tensor('float32', [NaN], new Float32Array(1)) }).message).toBe(
      'value["t"]: tensor shape [NaN]; expected an array of non-negative integers',
    );
    expect(refusal([tensor('float32', [-1], new Float32Array())]).message).toMatch(/^value\[0\]: tensor shape \[-1\]/);
    expect(refusal([tensor('float32', [1.5], new Float32Array())]).source).toBe('value[0]');
  });

  it('unknown dtypes, data holders and values a dtype cannot hold', () => {
    expect(refusal([tensor('complex64' as TorchDtype, [1], new Float32Array(1))]).message).toMatch(/tensor dtype "complex64"; expected one of float64/);
    expect(refusal([{ kind: 'tensor', dtype: 'float32', shape: [1], data: [1] }]).message).toMatch(/tensor data is an object of class Array; expected a Float32Array/);
    expect(refusal([tensor('uint8', [1], Int32Array.from([300]))]).message).toBe('value[0]: element 0 is 300, which dtype uint8 cannot hold');
    expect(refusal([tensor('int32', [2], Float32Array.from([1, 1.5]))]).message).toMatch(/element 1 is 1.5, which dtype int32/);
    expect(refusal([tensor('bool', [1], Uint8Array.from([2]))]).message).toMatch(/element 0 is 2, which dtype bool/);
    expect(refusal([tensor('int32', [1], BigInt64Array.from([2n ** 40n]))]).message).toMatch(/element 0 is 1099511627776/);
    expect(refusal([tensor('int64', [1], Float64Array.from([2 ** 64]))]).message).toMatch(/which dtype int64 cannot hold/);
  });

  it('requiresGrad on integer tensors, which torch cannot rebuild as a Parameter', () => {
    expect(refusal([tensor('int64', [1], Int32Array.from([1]), true)]).message).toBe(
      'value[0]: requiresGrad is set on dtype int64; torch lets only floating dtypes require grad',
    );
  });

  it('values that are not Python data, naming where they are', () => {
    expect(refusal({ a: [1, () => 1] }).message).toBe(
      'value["a"][1]: function cannot be written; expected null, a boolean, number, bigint, string, array, Map, plain object or tensor',
    );
    expect(refusal({ a: undefined }).source).toBe('value["a"]');
    expect(refusal([Symbol('s')]).source).toBe('value[0]');
    expect(refusal({ when: new Date(0) }).message).toBe(
      'value["when"]: an object of class Date cannot be written; expected an array, Map, plain object or tensor',
    );
    expect(refusal({ bytes: new Uint8Array(2) }).message).toMatch(/an object of class Uint8Array cannot be written/);
    expect(refusal(new Set([1])).message).toMatch(/^value: an object of class Set cannot be written/);
    expect(refusal(new Map([[{}, 1]])).message).toMatch(/^value\[\[object Object\]\]: a key of type object cannot be written/);
    expect(refusal({ s: 'lone \uD800' }).message).toBe('value["s"]: string "lone \\ud800" holds a lone UTF-16 surrogate, which UTF-8 cannot encode');
    expect(refusal({ 'key \uDC00': 1 }).source).toBe('value["key \\udc00"]');
  });

  it('values that contain themselves', () => {
    const list: unknown[] = [1];
    list.push({ again: list });
    expect(refusal(list).message).toBe('value[1]["again"]: the value contains itself; pickling it would never end');
  });

  it('archive names torch could not use as a folder', () => {
    for (const archiveName of ['', 'a/b', '..', 'a\\b']) expect(refusal({}, { archiveName }).source).toBe('archiveName');
  });
});

// ---- round trip through the package's own reader ----

describe('readTorchFile(encodeTorchZip(value))', () => {
  it('gives back the value written', () => {
    const weight = f32([2, 2], [0.5, -1, 2, 1e-3], true);
    const value: WritableValue = {
      epoch: 6,
      best_prec1: { float: 0 },
      name: 'ünïcødé ✓',
      flags: [true, false, null],
      sizes: { tuple: [1, 2, { tuple: [] }] },
      big: 2n ** 60n,
      state_dict: new Map<WritableKey, WritableValue>([
        ['features.conv.weight', weight],
        ['features.conv.index', tensor('int64', [3], Int32Array.from([2, 0, 1]))],
        ['features.norm.num_batches_tracked', tensor('int64', [], BigInt64Array.from([8n]))],
        ['half', tensor('float16', [2], Float32Array.from([0.5, -2]))],
        ['bf16', tensor('bfloat16', [1], Float32Array.from([3]))],
        ['double', tensor('float64', [1], Float64Array.from([0.25]))],
        ['mask', tensor('bool', [2], Uint8Array.from([1, 0]))],
        ['bytes', tensor('uint8', [0], new Uint8Array())],
      ]),
      optimizer_state: new Map<WritableKey, WritableValue>([[0, { momentum_buffer: f32([1], [0.125]) }]]),
    };
    const { format, root } = readTorchFile(encodeTorchZip(value), 'round-trip.pth');
    expect(format).toBe('zip');
    const t = (dtype: TorchDtype, shape: number[], data: Float32Array | Int32Array | Uint8Array, requiresGrad = false) => ({
      kind: 'tensor',
      dtype,
      shape,
      data,
      requiresGrad,
    });
    expect(root).toEqual(
      new Map<unknown, unknown>([
        ['epoch', 6],
        ['best_prec1', 0],
        ['name', 'ünïcødé ✓'],
        ['flags', [true, false, null]],
        ['sizes', [1, 2, []]],
        ['big', 2n ** 60n],
        [
          'state_dict',
          new Map<unknown, unknown>([
            ['features.conv.weight', t('float32', [2, 2], Float32Array.from([0.5, -1, 2, 1e-3]), true)],
            ['features.conv.index', t('int64', [3], Int32Array.from([2, 0, 1]))],
            ['features.norm.num_batches_tracked', t('int64', [], Int32Array.from([8]))],
            ['half', t('float16', [2], Float32Array.from([0.5, -2]))],
            ['bf16', t('bfloat16', [1], Float32Array.from([3]))],
            ['double', t('float64', [1], Float32Array.from([0.25]))],
            ['mask', t('bool', [2], Uint8Array.from([1, 0]))],
            ['bytes', t('uint8', [0], new Uint8Array())],
          ]),
        ],
        ['optimizer_state', new Map<unknown, unknown>([[0, new Map([['momentum_buffer', t('float32', [1], Float32Array.from([0.125]))]])]])],
      ]),
    );
  });
});

describe("readTorchFile(encodeTorchZip(what readTorchFile read from torch's own files))", () => {
  for (const file of ['checkpoint_006.pth.tar', 'checkpoint_006_legacy.pth.tar', 'converted_checkpoint_006.pth.tar', 'state_dict_plain.pth']) {
    it(`gives back ${file} as read`, () => {
      const { root } = readTorchFile(new Uint8Array(readFileSync(join(pthRoot, file))), file);
      expect(readTorchFile(encodeTorchZip(root as WritableValue), `${file} rewritten`).root).toEqual(root);
    });
  }
});
