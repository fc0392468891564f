import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pthRoot } from '@condensenet/golden-fixtures';
import { describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import { OP } from '../pickle/opcodes.js';
import { readTorchFile } from './read.js';
import { isTorchTensor, type PickleValue, type TorchTensor } from './types.js';
import { zipEntries, zipEntryData } from './zip-format.js';

const golden = (name: string): Uint8Array => new Uint8Array(readFileSync(join(pthRoot, name)));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const fixtureJson = (name: string) => JSON.parse(new TextDecoder().decode(fixture(name)));

function refusal(bytes: Uint8Array, source = 'test.pt'): InteropError {
  try {
    readTorchFile(bytes, source);
  } catch (error) {
    expect(error).toBeInstanceOf(InteropError);
    return error as InteropError;
  }
  throw new Error('expected an InteropError');
}

/** The reader's result in the JSON form make_fixtures.py writes torch.load's result in. */
function toJsonable(value: PickleValue): unknown {
  if (typeof value === 'bigint') return { bigint: value.toString() };
  if (value instanceof Uint8Array) return { bytes: [...value] };
  if (Array.isArray(value)) return value.map(toJsonable);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonable(v)]));
  if (isTorchTensor(value))
    return { dtype: value.dtype, shape: value.shape, requires_grad: value.requiresGrad, values: [...value.data] };
  if (value !== null && typeof value === 'object') {
    return { __class__: value.className, ...Object.fromEntries([...value.state].map(([k, v]) => [String(k), toJsonable(v)])) };
  }
  return value;
}

/** toJsonable with tensors summed up, as golden_summary.json has them; sums compared to 1e-6. */
function summarise(value: PickleValue): unknown {
  if (isTorchTensor(value)) {
    let sum = 0;
    for (const element of value.data) sum += element;
    return {
      dtype: value.dtype,
      shape: value.shape,
      requires_grad: value.requiresGrad,
      sum: expect.closeTo(sum, 6),
      head: [...value.data.subarray(0, 3)],
    };
  }
  if (Array.isArray(value)) return value.map(summarise);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), summarise(v)]));
  return toJsonable(value);
}

function asMap(value: PickleValue): Map<string, PickleValue> {
  expect(value).toBeInstanceOf(Map);
  return value as Map<string, PickleValue>;
}

function tensors(stateDict: PickleValue): [string, TorchTensor][] {
  return [...asMap(stateDict)].map(([key, tensor]) => {
    expect(isTorchTensor(tensor)).toBe(true);
    return [key, tensor as TorchTensor];
  });
}

describe('readTorchFile: the golden checkpoints torch wrote', () => {
  const summaries = fixtureJson('golden_summary.json');

  it('reads main.py checkpoints alike in both formats', () => {
    const zip = readTorchFile(golden('checkpoint_006.pth.tar'), 'checkpoint_006.pth.tar');
    const legacy = readTorchFile(golden('checkpoint_006_legacy.pth.tar'), 'checkpoint_006_legacy.pth.tar');
    expect(zip.format).toBe('zip');
    expect(legacy.format).toBe('legacy');
    expect(toJsonable(legacy.root)).toEqual(toJsonable(zip.root));

    const root = asMap(zip.root);
    expect([...root.keys()]).toEqual(['epoch', 'model', 'state_dict', 'best_prec1', 'optimizer']);
    expect(root.get('epoch')).toBe(6);
    expect(root.get('model')).toBe('condensenet');
    expect([...asMap(root.get('optimizer') as PickleValue).keys()]).toEqual(['state', 'param_groups']);
    const stateDict = tensors(root.get('state_dict') as PickleValue);
    expect(stateDict.length).toBeGreaterThan(90);
    expect(stateDict.every(([key]) => key.startsWith('module.'))).toBe(true);
    expect(summarise(zip.root)).toEqual(summaries['checkpoint_006.pth.tar']);
  });

  it("holds state_dict_plain.pth's tensors under module. keys", () => {
    const checkpoint = asMap(readTorchFile(golden('checkpoint_006.pth.tar'), 'c').root).get('state_dict') as PickleValue;
    const plain = readTorchFile(golden('state_dict_plain.pth'), 'state_dict_plain.pth');
    expect(plain.format).toBe('zip');
    const stripped = tensors(checkpoint).map(([key, tensor]) => [key.slice('module.'.length), tensor]);
    expect(tensors(plain.root)).toEqual(stripped);
  });

  it('reads converted checkpoints alike in both formats, their int64 index tensors as Int32Array', () => {
    const zip = readTorchFile(golden('converted_checkpoint_006.pth.tar'), 'converted');
    const legacy = readTorchFile(golden('converted_checkpoint_006_legacy.pth.tar'), 'converted_legacy');
    expect(toJsonable(legacy.root)).toEqual(toJsonable(zip.root));
    expect(summarise(zip.root)).toEqual(summaries['converted_checkpoint_006.pth.tar']);
    const indices = tensors(asMap(zip.root).get('state_dict') as PickleValue).filter(([key]) => key.endsWith('.index'));
    expect(indices.length).toBeGreaterThan(0);
    for (const [, index] of indices) {
      expect(index.dtype).toBe('int64');
      expect(index.data).toBeInstanceOf(Int32Array);
    }
  });

  it('refuses refuse_os_system.pth at its GLOBAL opcode, before the REDUCE that would call it', () => {
    const bytes = golden('refuse_os_system.pth');
    const error = refusal(bytes, 'refuse_os_system.pth');
    expect(error.source).toBe('refuse_os_system.pth');
    const match =
      /^refuse_os_system\.pth: pickle opcode GLOBAL at offset (\d+): refuses global 'posix\.system' \(not on the allowlist/.exec(
        error.message,
      );
    expect(match).not.toBeNull();
    const offset = Number(match?.[1]);
    const entries = zipEntries(bytes, 'refuse_os_system.pth');
    const pickle = zipEntryData(
      bytes,
      entries.get('refuse_os_system/data.pkl') as NonNullable<ReturnType<typeof entries.get>>,
      'r',
    );
    expect(pickle[offset]).toBe(OP.GLOBAL);
    expect(pickle.indexOf(OP.REDUCE, offset)).toBeGreaterThan(offset);
  });
});

describe('readTorchFile: generated fixtures', () => {
  const expected = fixtureJson('expected.json');

  for (const name of Object.keys(expected)) {
    it(`reads ${name} as torch.load does`, () => {
      const file = readTorchFile(fixture(name), name);
      expect(file.format).toBe(name.includes('legacy') ? 'legacy' : 'zip');
      expect(toJsonable(file.root)).toEqual(expected[name]);
    });
  }

  it('holds each dtype in its array type', () => {
    const root = asMap(readTorchFile(fixture('tensors.pt'), 'tensors.pt').root);
    const holder = (key: string) => (root.get(key) as TorchTensor).data.constructor;
    for (const key of ['float16', 'bfloat16', 'float64', 'transposed']) expect(holder(key)).toBe(Float32Array);
    for (const key of ['int64', 'int32', 'int16', 'int8']) expect(holder(key)).toBe(Int32Array);
    for (const key of ['uint8', 'bool']) expect(holder(key)).toBe(Uint8Array);
  });

  it('reads a file that is a view into a larger buffer', () => {
    const bytes = fixture('tensors.pt');
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(toJsonable(readTorchFile(padded.subarray(3), 'view').root)).toEqual(expected['tensors.pt']);
  });

  it('names an int64 beyond int32, in both formats', () => {
    for (const name of ['int64_overflow.pt', 'int64_overflow_legacy.pt']) {
      expect(refusal(fixture(name), name).message).toMatch(
        new RegExp(`^${name.replace('.', '\\.')}: int64 storage '[^']+' holds 1099511627776 at element 1, which does not fit`),
      );
    }
  });

  it.each([
    ['hostile_eval.pt', 'builtins.eval'],
    ['hostile_popen.pt', 'subprocess.Popen'],
    ['hostile_torch_load.pt', 'torch.serialization.load'],
    ['hostile_system_legacy.pt', 'posix.system'],
  ])('refuses %s naming %s', (name, global) => {
    expect(refusal(fixture(name), name).message).toMatch(
      new RegExp(`GLOBAL at offset \\d+: refuses global '${global.replace(/\./g, '\\.')}'`),
    );
  });
});

describe('readTorchFile: what is not a torch file', () => {
  const text = (value: string) => new TextEncoder().encode(value);

  it.each<[string, Uint8Array, RegExp]>([
    ['an empty file', new Uint8Array(0), /the file is empty$/],
    ['a CNDNCKPT checkpoint', text('CNDNCKPT\u0001\u0000\u0000\u0000'), /this project's own checkpoint \('CNDNCKPT'\)/],
    ['a safetensors file', Uint8Array.of(2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d), /it is a safetensors file$/],
    ['an ONNX model', Uint8Array.of(0x08, 0x07, 0x12, 0x07, ...text('pytorch')), /it looks like an ONNX model/],
    ['gzip data', Uint8Array.of(0x1f, 0x8b, 8, 0), /gzip-compressed/],
    ['anything else', text('hello world'), /its first bytes are 68 65 6c 6c 6f 20 77 6f$/],
  ])('says %s is neither format, and what it looks like', (_, bytes, message) => {
    const error = refusal(bytes);
    expect(error.message).toMatch(
      /^test\.pt: neither a torch zip file \(torch >= 1\.6\) nor a legacy torch file \(torch < 1\.6\): /,
    );
    expect(error.message).toMatch(message);
  });

  it('says a plain pickle lacks the magic number', () => {
    const pickle = Uint8Array.of(OP.PROTO, 2, OP.EMPTY_DICT, OP.STOP);
    expect(refusal(pickle).message).toBe(
      "test.pt: neither a torch zip file nor a legacy torch file: a pickle, but without torch's magic number (pickle.dump output?)",
    );
  });

  it("refuses torch's ancient tar format, saying so", () => {
    const tar = new Uint8Array(1024);
    tar.set(text('storages'), 0);
    tar.set(text('ustar'), 257);
    expect(refusal(tar).message).toMatch(/a tar archive: torch's oldest checkpoint format \(torch < 0\.4\), which is not read/);
  });
});
