import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import { decodeSafetensors } from './read.js';
import { encodeSafetensors, type TensorLike } from './write.js';

const f32 = (shape: number[], values: number[]): TensorLike => ({ dtype: 'float32', shape, data: Float32Array.from(values) });

function headerOf(file: Uint8Array): { length: number; text: string } {
  const length = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return { length, text: new TextDecoder().decode(file.subarray(8, 8 + length)) };
}

function refusal(run: () => unknown): InteropError {
  try {
    run();
  } catch (e) {
    if (e instanceof InteropError) return e;
    throw e;
  }
  throw new Error('expected an InteropError');
}

describe('encodeSafetensors', () => {
  // The expected files are the ones the safetensors crate's own serialization tests spell out.
  it('writes the reference implementation bytes for one float32 tensor', () => {
    const file = encodeSafetensors(new Map([['attn.0', f32([1, 2, 3], [0, 1, 2, 3, 4, 5])]]));
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).toBe(64);
    expect(headerOf(file)).toEqual({ length: 64, text: json });
    expect(file.length).toBe(8 + 64 + 24);
    expect(Array.from(new Float32Array(file.slice(72).buffer))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('pads the header with spaces so the data starts at a multiple of 8', () => {
    const file = encodeSafetensors([['attn0', f32([1, 1, 2, 3], [0, 1, 2, 3, 4, 5])]]);
    const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    expect(headerOf(file)).toEqual({ length: 72, text: `${json}       ` });
    expect(json.length).toBe(65);
  });

  it('writes an empty file as {} and puts __metadata__ first', () => {
    expect(Array.from(encodeSafetensors([]))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode('{}      ')]);
    expect(headerOf(encodeSafetensors([], { framework: 'pt' }))).toEqual({ length: 40, text: '{"__metadata__":{"framework":"pt"}}     ' });
    const file = encodeSafetensors(new Map([['b', f32([1], [1])]]), { framework: 'pt' });
    expect(headerOf(file).text).toBe('{"__metadata__":{"framework":"pt"},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    expect(headerOf(encodeSafetensors([], {})).text.trimEnd()).toBe('{"__metadata__":{}}');
  });

  it('orders tensors by dtype alignment, largest first, then by name as the crate does', () => {
    const one = { shape: [1] };
    const file = encodeSafetensors([
      ['z.bool', { ...one, dtype: 'bool', data: Uint8Array.of(1) }],
      ['a.u8', { ...one, dtype: 'uint8', data: Uint8Array.of(1) }],
      ['i8', { ...one, dtype: 'int8', data: Int32Array.of(1) }],
      ['i16', { ...one, dtype: 'int16', data: Int32Array.of(1) }],
      ['f16', { ...one, dtype: 'float16', data: Float32Array.of(1) }],
      ['bf16', { ...one, dtype: 'bfloat16', data: Float32Array.of(1) }],
      ['i32', { ...one, dtype: 'int32', data: Int32Array.of(1) }],
      ['b.f32', { ...one, dtype: 'float32', data: Float32Array.of(1) }],
      ['a.f32', { ...one, dtype: 'float32', data: Float32Array.of(1) }],
      ['f64', { ...one, dtype: 'float64', data: Float64Array.of(1) }],
      ['i64', { ...one, dtype: 'int64', data: Int32Array.of(1) }],
      // U+FF5E sorts before U+1F642 by code point (UTF-8 bytes), after it by UTF-16 units.
      ['x\u{1F642}', { ...one, dtype: 'int8', data: Int32Array.of(1) }],
      ['x\uFF5E', { ...one, dtype: 'int8', data: Int32Array.of(1) }],
    ]);
    const header = JSON.parse(headerOf(file).text) as Record<string, { data_offsets: number[] }>;
    const names = Object.keys(header).sort((a, b) => header[a].data_offsets[0] - header[b].data_offsets[0] || header[a].data_offsets[1] - header[b].data_offsets[1]);
    expect(names).toEqual(['i64', 'f64', 'a.f32', 'b.f32', 'i32', 'bf16', 'f16', 'i16', 'i8', 'x\uFF5E', 'x\u{1F642}', 'a.u8', 'z.bool']);
    // The names are also written in data order (JSON.parse's key order would put integer-like names first).
    expect(headerOf(file).text.indexOf('"i64"')).toBeLessThan(headerOf(file).text.indexOf('"f64"'));
  });

  it('lays out the hand-written Python fixture byte for byte', () => {
    const fixture = new Uint8Array(readFileSync(new URL('./fixtures/tiny.safetensors', import.meta.url)));
    const { tensors, metadata } = decodeSafetensors(fixture, 'tiny.safetensors');
    expect(encodeSafetensors(tensors, metadata)).toEqual(fixture);
  });

  it('stores each dtype little-endian with the conversions it needs', () => {
    const file = encodeSafetensors([
      ['a', { dtype: 'int64', shape: [2], data: Int32Array.of(-2, 3) }],
      ['b', { dtype: 'int64', shape: [1], data: BigInt64Array.of(-(2n ** 63n)) }],
      ['c', { dtype: 'float16', shape: [2], data: Float32Array.of(1 / 3, 70000) }],
      ['d', { dtype: 'bfloat16', shape: [1], data: Float32Array.of(1 / 3) }],
      ['e', { dtype: 'int16', shape: [1], data: BigInt64Array.of(-300n) }],
      ['f', { dtype: 'uint8', shape: [1], data: Uint8Array.of(200) }],
    ]);
    const data = Array.from(file.subarray(8 + headerOf(file).length));
    expect(data).toEqual([
      ...[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 3, 0, 0, 0, 0, 0, 0, 0], // a: sign-extended
      ...[0, 0, 0, 0, 0, 0, 0, 0x80], // b
      ...[0xab, 0x3e], // d: 0x3eab, 1/3 rounded to nearest even
      ...[0x55, 0x35, 0x00, 0x7c], // c: 0x3555 and overflow to +inf
      ...[0xd4, 0xfe], // e
      200, // f
    ]);
  });

  it('refuses what it cannot write faithfully, naming the tensor and the field', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => encodeSafetensors([['w', f32([2, 2], [1, 2, 3])]]), /tensor "w" has 3 elements; shape \[2, 2\] needs 4/],
      [() => encodeSafetensors([['__metadata__', f32([1], [1])]]), /cannot be named '__metadata__'/],
      [() => encodeSafetensors([['w', f32([1], [1])], ['w', f32([1], [2])]]), /tensor "w" is given twice/],
      [() => encodeSafetensors([['w', f32([1], [1])]], { a: 3 as unknown as string }), /metadata "a" is number; expected a string/],
      [() => encodeSafetensors([], null as unknown as Record<string, string>), /metadata must be an object of strings/],
      [() => encodeSafetensors([['w', f32([-1], [])]]), /tensor "w" shape \[-1\] is not a list of non-negative integers/],
      [() => encodeSafetensors([['w', f32([1.5], [1])]]), /shape \[1.5\]/],
      [() => encodeSafetensors([['w', { dtype: 'complex64' as 'float32', shape: [1], data: Float32Array.of(1) }]]), /dtype "complex64" is not one of/],
      [() => encodeSafetensors([['w', { dtype: 'int32', shape: [1], data: Float32Array.of(1) }]]), /dtype int32 needs its data in Int32Array or BigInt64Array, got Float32Array/],
      [() => encodeSafetensors([['w', { dtype: 'float32', shape: [1], data: Uint8Array.of(1) }]]), /needs its data in Float32Array or Float64Array/],
      [() => encodeSafetensors([['w', { dtype: 'int8', shape: [2], data: Int32Array.of(1, 128) }]]), /tensor "w" element 1 is 128, outside int8's range \[-128, 127\]/],
      [() => encodeSafetensors([['w', { dtype: 'int32', shape: [1], data: BigInt64Array.of(2n ** 31n) }]]), /element 0 is 2147483648, outside int32's range/],
      [() => encodeSafetensors([['w', { dtype: 'bool', shape: [1], data: Uint8Array.of(2) }]]), /element 0 is 2; a bool must be 0 or 1/],
      [() => encodeSafetensors([['\uD800', f32([1], [1])]]), /lone UTF-16 surrogate/],
      [() => encodeSafetensors([], { k: 'v\uDC00' }), /metadata "k" has a lone UTF-16 surrogate/],
    ];
    for (const [run, message] of cases) {
      const e = refusal(run);
      expect(e.source).toBe('encodeSafetensors');
      expect(e.message).toMatch(message);
    }
  });
});
