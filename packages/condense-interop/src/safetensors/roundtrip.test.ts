import { fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits } from '@condensenet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TorchDtype, TorchTensor } from '../torch/types.js';
import { decodeSafetensors } from './read.js';
import { encodeSafetensors, type TensorLike } from './write.js';

/** What reading back should give for what was written: the dtype's rounding, in its holder. */
function heldAs(t: TensorLike): number[] {
  const values = Array.from(t.data as ArrayLike<number | bigint>, Number);
  if (t.dtype === 'float16') return values.map((x) => fromFloat16Bits(toFloat16Bits(x)));
  if (t.dtype === 'bfloat16') return values.map((x) => fromBfloat16Bits(toBfloat16Bits(x)));
  return t.dtype === 'float64' || t.dtype === 'float32' ? values.map(Math.fround) : values;
}

function roundTrip(tensors: [string, TensorLike][], metadata?: Record<string, string>) {
  return decodeSafetensors(encodeSafetensors(tensors, metadata), 'roundtrip');
}

function tensorIn(tensors: Map<string, TorchTensor>, name: string): TorchTensor {
  const t = tensors.get(name);
  if (t === undefined) throw new Error(`no tensor ${JSON.stringify(name)}`);
  return t;
}

const SPECIAL = [0, -0, 1 / 3, -2.5, 1e-7, 6e-8, 65504, 65520, 3e38, Infinity, -Infinity, NaN];

describe('safetensors round trip', () => {
  it('keeps every dtype, with the rounding of the dtype written', () => {
    const tensors: [string, TensorLike][] = [
      ['f64', { dtype: 'float64', shape: [3, 4], data: Float64Array.from(SPECIAL) }],
      ['f32', { dtype: 'float32', shape: [12], data: Float32Array.from(SPECIAL) }],
      ['f16', { dtype: 'float16', shape: [2, 6], data: Float32Array.from(SPECIAL) }],
      ['bf16', { dtype: 'bfloat16', shape: [6, 2], data: Float32Array.from(SPECIAL) }],
      ['i64', { dtype: 'int64', shape: [4], data: Int32Array.of(-(2 ** 31), -1, 0, 2 ** 31 - 1) }],
      ['i64n', { dtype: 'int64', shape: [2], data: BigInt64Array.of(-(2n ** 31n), 2n ** 31n - 1n) }],
      ['i32', { dtype: 'int32', shape: [2], data: Int32Array.of(-(2 ** 31), 2 ** 31 - 1) }],
      ['i16', { dtype: 'int16', shape: [2], data: Int32Array.of(-32768, 32767) }],
      ['i8', { dtype: 'int8', shape: [2], data: Int32Array.of(-128, 127) }],
      ['u8', { dtype: 'uint8', shape: [2], data: Uint8Array.of(0, 255) }],
      ['mask', { dtype: 'bool', shape: [1, 2], data: Uint8Array.of(1, 0) }],
    ];
    const { tensors: back } = roundTrip(tensors);
    expect(back.size).toBe(tensors.length);
    for (const [name, t] of tensors) {
      const got = tensorIn(back, name);
      expect(got.dtype, name).toBe(t.dtype);
      expect(got.shape, name).toEqual(t.shape);
      expect(Array.from(got.data), name).toEqual(heldAs(t));
    }
    expect(Array.from(tensorIn(back, 'f16').data).slice(6, 8)).toEqual([65504, Infinity]);
  });

  it('keeps 0-d and empty tensors, unicode names and metadata', () => {
    const metadata = { format: 'pt', 'ключ "quoted"\n': 'value\\with\u0001control ✓ 🙂', __proto__x: '' };
    const { tensors, metadata: back } = roundTrip(
      [
        ['scalar', { dtype: 'float32', shape: [], data: Float32Array.of(4.25) }],
        ['empty', { dtype: 'int64', shape: [0], data: new Int32Array(0) }],
        ['empty.2d', { dtype: 'float16', shape: [2, 0, 3], data: new Float32Array(0) }],
        ['名前.🙂.weight', { dtype: 'bool', shape: [1], data: Uint8Array.of(1) }],
        ['', { dtype: 'uint8', shape: [1], data: Uint8Array.of(9) }],
      ],
      metadata,
    );
    expect(back).toEqual(metadata);
    expect([...tensors.entries()].map(([k, t]) => [k, t.shape, Array.from(t.data)])).toEqual([
      ['empty', [0], []],
      ['scalar', [], [4.25]],
      ['empty.2d', [2, 0, 3], []],
      ['', [1], [9]],
      ['名前.🙂.weight', [1], [1]],
    ]);
  });

  it('writes no __metadata__ unless given, and reads its absence as {}', () => {
    expect(roundTrip([]).metadata).toEqual({});
    expect(new TextDecoder().decode(encodeSafetensors([['a', { dtype: 'uint8', shape: [1], data: Uint8Array.of(1) }]]))).not.toContain('__metadata__');
  });

  it('round-trips arbitrary tensors (property)', () => {
    const dtypes: TorchDtype[] = ['float64', 'float32', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'];
    const tensor = fc
      .record({ dtype: fc.constantFrom(...dtypes), shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }) })
      .chain(({ dtype, shape }) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const ranges: Partial<Record<TorchDtype, [number, number]>> = { int16: [-32768, 32767], int8: [-128, 127], uint8: [0, 255], bool: [0, 1] };
        const [min, max] = ranges[dtype] ?? [-(2 ** 31), 2 ** 31 - 1];
        const data: fc.Arbitrary<TensorLike['data']> = dtype.includes('float')
          ? fc.float32Array({ minLength: n, maxLength: n })
          : fc.array(fc.integer({ min, max }), { minLength: n, maxLength: n }).map((v) => (dtype === 'uint8' || dtype === 'bool' ? Uint8Array.from(v) : Int32Array.from(v)));
        return data.map((d): TensorLike => ({ dtype, shape, data: d }));
      });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ unit: 'binary', maxLength: 6 }), tensor), { selector: ([name]) => name, maxLength: 6 }).filter((ts) => ts.every(([n]) => n !== '__metadata__')),
        fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 })),
        (tensors, metadata) => {
          const file = encodeSafetensors(tensors, metadata);
          expect((8 + Number(new DataView(file.buffer).getBigUint64(0, true))) % 8).toBe(0);
          const back = decodeSafetensors(file, 'property');
          expect(back.metadata).toEqual(metadata);
          expect(back.tensors.size).toBe(tensors.length);
          for (const [name, t] of tensors) {
            const got = tensorIn(back.tensors, name);
            expect([got.dtype, got.shape, Array.from(got.data)]).toEqual([t.dtype, t.shape, heldAs(t)]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
