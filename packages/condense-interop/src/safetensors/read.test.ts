import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import { DTYPES } from '../torch/dtypes.js';
import type { TorchTensor } from '../torch/types.js';
import { decodeSafetensors, MAX_HEADER_BYTES } from './read.js';
import { encodeSafetensors } from './write.js';

interface Expected {
  metadata: Record<string, string>;
  order: string[];
  tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
}

/** A file with the given header text (or object) and data; `length` overrides the length field. */
function craft(header: string | Uint8Array | object, data: ArrayLike<number> = [], length?: bigint): Uint8Array {
  const json = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const file = new Uint8Array(8 + json.length + data.length);
  new DataView(file.buffer).setBigUint64(0, length ?? BigInt(json.length), true);
  file.set(json, 8);
  file.set(data, 8 + json.length);
  return file;
}

function refusal(bytes: Uint8Array, expected = 'a refusal'): InteropError {
  try {
    decodeSafetensors(bytes, 'bad.safetensors');
  } catch (e) {
    if (e instanceof InteropError) return e;
    throw e;
  }
  throw new Error(`the file was accepted; expected ${expected}`);
}

function tensorIn(tensors: Map<string, TorchTensor>, name: string): TorchTensor {
  const t = tensors.get(name);
  if (t === undefined) throw new Error(`no tensor ${JSON.stringify(name)}`);
  return t;
}

const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

describe('decodeSafetensors', () => {
  it('reads the file written by hand with torch (fixtures/make_tiny.py)', () => {
    const file = new Uint8Array(readFileSync(new URL('./fixtures/tiny.safetensors', import.meta.url)));
    const expected = JSON.parse(readFileSync(new URL('./fixtures/tiny.json', import.meta.url), 'utf8')) as Expected;
    const { tensors, metadata } = decodeSafetensors(file, 'tiny.safetensors');
    expect(metadata).toEqual(expected.metadata);
    expect([...tensors.keys()]).toEqual(expected.order);
    for (const [name, want] of Object.entries(expected.tensors)) {
      const got = tensorIn(tensors, name);
      expect(DTYPES[got.dtype].safetensors, name).toBe(want.dtype);
      expect(got.shape, name).toEqual(want.shape);
      expect(got.requiresGrad).toBe(false);
      const values = got.data instanceof Float32Array ? Array.from(got.data) : Array.from(got.data, String);
      expect(values, name).toEqual(want.values);
    }
    expect(tensorIn(tensors, 'index').data).toBeInstanceOf(Int32Array);
    expect(tensorIn(tensors, 'half').data).toBeInstanceOf(Float32Array);
    expect(tensorIn(tensors, 'mask').data).toBeInstanceOf(Uint8Array);
  });

  it('takes what the spec allows: any key order, whitespace padding, null __metadata__, unknown fields, a zero dimension', () => {
    const data = [...new Uint8Array(Float32Array.of(1, 2, 3).buffer)];
    const header = `{"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12],"extra":1},"10":${JSON.stringify(f32([], 0, 4))},"__metadata__":null} \n\t `;
    const { tensors, metadata } = decodeSafetensors(craft(header, data), 'ok.safetensors');
    expect(metadata).toEqual({});
    // Data order, not JSON.parse's (which puts integer-like keys first anyway; "10" begins at 0 here).
    expect([...tensors.entries()].map(([k, t]) => [k, t.shape, Array.from(t.data)])).toEqual([
      ['10', [], [1]],
      ['b', [2], [2, 3]],
    ]);
    expect(decodeSafetensors(craft('{}'), 'empty').tensors.size).toBe(0);
    const hollow = tensorIn(decodeSafetensors(craft({ w: f32([2 ** 40, 2 ** 40, 0], 0, 0) }), 'hollow').tensors, 'w');
    expect([hollow.shape, hollow.data.length]).toEqual([[2 ** 40, 2 ** 40, 0], 0]);
  });

  it('reads a subarray of a larger buffer at any alignment', () => {
    const file = encodeSafetensors([['w', { dtype: 'float64', shape: [2], data: Float64Array.of(0.5, -2) }]]);
    const host = new Uint8Array(file.length + 3);
    host.set(file, 3);
    expect(Array.from(tensorIn(decodeSafetensors(host.subarray(3), 'inner').tensors, 'w').data)).toEqual([0.5, -2]);
  });

  it('keeps a __proto__ metadata key as an ordinary key', () => {
    const { metadata } = decodeSafetensors(craft('{"__metadata__":{"__proto__":"x","a":"b"}}'), 'proto');
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.entries(metadata)).toEqual([
      ['__proto__', 'x'],
      ['a', 'b'],
    ]);
  });

  it('refuses hostile or broken headers with one InteropError naming the field', () => {
    const four = [0, 0, 0, 0];
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(5), /file is 5 bytes; a safetensors file starts with an 8-byte header length/],
      [craft('', [], 0n), /header "" does not start with '\{'/],
      [craft('{}', [], 2n ** 53n), /header length 9007199254740992 is over the 100000000-byte limit/],
      [craft('{}', [], 2n ** 64n - 1n), /header length 18446744073709551615 is over/],
      [craft('{}', [], BigInt(MAX_HEADER_BYTES)), /header length 100000000 runs past the end of the file \(2 bytes follow the length\)/],
      [craft('{}', [], 3n), /header length 3 runs past the end/],
      [craft('{"a"'), /header is not valid JSON/],
      [craft('{} {}'), /header is not valid JSON/],
      [craft('[]'), /header "\[\]" does not start with '\{'/],
      [craft(' {}'), /does not start with '\{'/],
      [craft('\uFEFF{}'), /does not start with '\{'/],
      [craft(Uint8Array.of(0x7b, 0xff, 0x7d)), /header is not valid UTF-8/],
      [craft({ __metadata__: { a: 1 } }), /__metadata__ "a" is number 1; expected a string/],
      [craft({ __metadata__: ['a'] }), /__metadata__ is a list; expected an object of strings/],
      [craft({ w: 'F32' }), /tensor "w" is string "F32"; expected an object with dtype, shape and data_offsets/],
      [craft({ w: { ...f32([1], 0, 2), dtype: 'U16' } }, [0, 0]), /tensor "w" dtype "U16" is not one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL/],
      [craft({ w: { shape: [1], data_offsets: [0, 4] } }, four), /tensor "w" dtype missing is not one of/],
      [craft({ w: f32([-1], 0, 4) }, four), /tensor "w" shape \[-1\] is not a list of non-negative integers/],
      [craft({ w: f32([1.5], 0, 4) }, four), /shape \[1.5\]/],
      [craft({ w: f32([2 ** 53], 0, 4) }, four), /shape \[9007199254740992\] is not a list/],
      [craft({ w: { dtype: 'F32', data_offsets: [0, 4] } }, four), /shape missing/],
      [craft({ w: f32([2 ** 26, 2 ** 26, 2 ** 26], 0, 4) }, four), /shape \[67108864,67108864,67108864\] has more bytes than any file can hold/],
      [craft({ w: f32([1], 0, 4), v: f32([1], 2, 6) }, [...four, ...four]), /tensor "v" data_offsets \[2, 6\] overlaps tensor "w"; expected it to begin at 4/],
      [craft({ w: f32([1], 0, 4), v: f32([1], 0, 4) }, four), /data_offsets \[0, 4\] overlaps tensor "w"/],
      [craft({ w: f32([1], 0, 4), v: f32([1], 8, 12) }, [...four, ...four, ...four]), /tensor "v" data_offsets \[8, 12\] leaves a gap after tensor "w"; expected it to begin at 4/],
      [craft({ w: f32([1], 4, 8) }, [...four, ...four]), /leaves a gap after the start of the data; expected it to begin at 0/],
      [craft({ w: f32([1], 0, 8) }, [...four, ...four]), /tensor "w" data_offsets \[0, 8\] span 8 bytes; F32 of shape \[1\] needs 4/],
      [craft({ w: f32([1], 4, 0) }, four), /data_offsets \[4,0\] is not \[begin, end\] with 0 <= begin <= end/],
      [craft({ w: f32([1], -4, 0) }, four), /data_offsets \[-4,0\] is not/],
      [craft({ w: { ...f32([1], 0, 4), data_offsets: [0, 4, 8] } }, four), /data_offsets \[0,4,8\] is not/],
      [craft({ w: { ...f32([1], 0, 4), data_offsets: '0-4' } }, four), /data_offsets "0-4" is not/],
      [craft({ w: f32([1], 0, 4) }), /the tensors' data_offsets cover 4 bytes, but 0 bytes follow the header/],
      [craft({ w: f32([1], 0, 4) }, [...four, 1]), /cover 4 bytes, but 5 bytes follow the header/],
      [craft({ 'idx.x': { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0]), /tensor "idx.x" element 1 is 2147483648, outside the int32 range/],
      [craft({ m: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, [0, 1, 2]), /tensor "m" element 2 is byte 2; a BOOL must be 0 or 1/],
    ];
    for (const [bytes, message] of cases) {
      const e = refusal(bytes, String(message));
      expect(e.source).toBe('bad.safetensors');
      expect(e.message).toMatch(message);
    }
  });

  it('keeps a hostile name out of the message beyond a short prefix', () => {
    const e = refusal(craft({ ['n'.repeat(10_000)]: f32([-1], 0, 4) }, [0, 0, 0, 0]));
    expect(e.message.length).toBeLessThan(300);
    expect(e.message).toMatch(/tensor "nnnn.*\.\.\. shape/);
  });

  it('parses a mutated file or refuses it with an InteropError, never allocating beyond what the file backs', () => {
    const file = encodeSafetensors(
      [
        ['a', { dtype: 'float16', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) }],
        ['b', { dtype: 'int8', shape: [3], data: Int32Array.of(-1, 0, 1) }],
        ['c', { dtype: 'int64', shape: [], data: Int32Array.of(7) }],
        ['d', { dtype: 'bool', shape: [2], data: Uint8Array.of(1, 0) }],
      ],
      { format: 'pt' },
    );
    const mutation = fc.oneof(
      fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }).map((edits) => {
        const out = file.slice();
        for (const [at, byte] of edits) out[at] = byte;
        return out;
      }),
      fc.nat(file.length).map((n) => file.slice(0, n)),
      fc.tuple(fc.nat(file.length), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, extra]) => {
        const out = new Uint8Array(file.length + extra.length);
        out.set(file.subarray(0, at));
        out.set(extra, at);
        out.set(file.subarray(at), at + extra.length);
        return out;
      }),
    );
    let parsed = 0;
    fc.assert(
      fc.property(mutation, (bytes) => {
        try {
          const { tensors } = decodeSafetensors(bytes, 'mutated');
          parsed++;
          // int8 widened to Int32Array is the largest growth: 4 bytes held per byte in the file.
          const held = [...tensors.values()].reduce((sum, t) => sum + t.data.byteLength, 0);
          expect(held).toBeLessThanOrEqual(4 * bytes.length);
        } catch (e) {
          if (!(e instanceof InteropError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
    // Byte edits in the data area keep a file valid: some mutations must parse.
    expect(parsed).toBeGreaterThan(0);
  });

  it('parses any JSON header, or one shaped like tensor entries, or refuses it with an InteropError', () => {
    fc.assert(
      fc.property(fc.json(), fc.uint8Array({ maxLength: 16 }), (json, data) => {
        try {
          decodeSafetensors(craft(json, data), 'random');
        } catch (e) {
          if (!(e instanceof InteropError)) throw e;
        }
      }),
      { numRuns: 1000 },
    );
    const entry = fc.record({
      dtype: fc.constantFrom('F32', 'F16', 'I64', 'I8', 'BOOL', 'U16', 3),
      shape: fc.array(fc.oneof(fc.integer({ min: -1, max: 4 }), fc.constant(2 ** 40)), { maxLength: 3 }),
      data_offsets: fc.array(fc.integer({ min: -1, max: 40 }), { minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 3 }), entry, { maxKeys: 4 }), fc.uint8Array({ maxLength: 40 }), (header, data) => {
        try {
          decodeSafetensors(craft(header, data), 'random');
        } catch (e) {
          if (!(e instanceof InteropError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
