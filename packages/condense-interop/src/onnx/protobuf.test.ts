import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './protobuf.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('ProtoWriter', () => {
  // The examples of https://protobuf.dev/programming-guides/encoding/.
  it('writes the encoding guide examples', () => {
    expect(hex(new ProtoWriter().varint(1, 150).finish())).toBe('089601');
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('120774657374696e67');
    const inner = new ProtoWriter().varint(1, 150);
    expect(hex(new ProtoWriter().message(3, inner).finish())).toBe('1a03089601');
  });

  it('writes negative varints as ten-byte two\'s complement', () => {
    expect(hex(new ProtoWriter().varint(1, -1).finish())).toBe('08ffffffffffffffffff01');
    expect(hex(new ProtoWriter().varint(1, -2).finish())).toBe('08feffffffffffffffff01');
  });

  it('writes large varints and multi-byte tags', () => {
    expect(hex(new ProtoWriter().varint(1, 2 ** 53 - 1).finish())).toBe('08ffffffffffffff0f');
    expect(hex(new ProtoWriter().varint(20, 7).finish())).toBe('a00107');
    expect(hex(new ProtoWriter().varint(1, 0).finish())).toBe('0800');
  });

  it('writes floats little-endian with wire type 5', () => {
    expect(hex(new ProtoWriter().float(2, 0.5).finish())).toBe('150000003f');
    expect(hex(new ProtoWriter().float(1, -1e-5).finish())).toBe('0dacc527b7');
  });

  it('writes UTF-8 strings and empty bytes', () => {
    expect(hex(new ProtoWriter().string(1, 'é').finish())).toBe('0a02c3a9');
    expect(hex(new ProtoWriter().bytes(9, new Uint8Array(0)).finish())).toBe('4a00');
  });

  it('concatenates fields in the order they are written', () => {
    const w = new ProtoWriter().varint(2, 1).string(1, 'a').varint(2, 300);
    expect(hex(w.finish())).toBe('10010a016110ac02');
  });

  it('refuses values protobuf cannot carry exactly', () => {
    expect(() => new ProtoWriter().varint(1, 1.5)).toThrow(RangeError);
    expect(() => new ProtoWriter().varint(1, 2 ** 53)).toThrow(RangeError);
    expect(() => new ProtoWriter().varint(0, 1)).toThrow(RangeError);
  });
});
