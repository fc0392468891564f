import { fromBfloat16Bits, fromFloat16Bits, toBfloat16Bits, toFloat16Bits } from '@condensenet/core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeWithTorch } from '../test-support/python-torch.js';
import { DTYPES } from '../torch/dtypes.js';
import { encodeSafetensors, type TensorLike } from './write.js';

const script = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

interface ParsedByHand {
  metadata: Record<string, string> | null;
  headerLength: number;
  order: string[];
  tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
}

/** How parse_by_hand.py prints a value of a tensor of this dtype. */
function printed(dtype: TensorLike['dtype'], value: number | bigint): number | string {
  if (typeof value === 'bigint' || !dtype.includes('float')) return String(value);
  const x = dtype === 'float16' ? fromFloat16Bits(toFloat16Bits(value)) : dtype === 'bfloat16' ? fromBfloat16Bits(toBfloat16Bits(value)) : dtype === 'float32' ? Math.fround(value) : value;
  if (Number.isNaN(x)) return 'nan';
  return Number.isFinite(x) ? x : x > 0 ? 'inf' : '-inf';
}

describeWithTorch('safetensors against torch', (python) => {
  const dir = mkdtempSync(join(tmpdir(), 'safetensors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fixtures/tiny.* are what make_tiny.py writes', () => {
    python.run(script('make_tiny.py'), [dir]);
    expect(readFileSync(join(dir, 'tiny.safetensors'))).toEqual(fixture('tiny.safetensors'));
    expect(readFileSync(join(dir, 'tiny.json'), 'utf8')).toBe(fixture('tiny.json').toString('utf8'));
  }, 60_000);

  it('our file, parsed by hand in Python with torch.frombuffer, holds the same values', () => {
    const tensors: [string, TensorLike][] = [
      ['features.conv.weight', { dtype: 'float32', shape: [2, 3], data: Float32Array.of(0.1, -0, 1e-40, Infinity, -Infinity, NaN) }],
      ['f64', { dtype: 'float64', shape: [3], data: Float64Array.of(1 / 3, -1e300, 5e-324) }],
      ['f16', { dtype: 'float16', shape: [4], data: Float32Array.of(1 / 3, 65519, 65520, 1e-7) }],
      ['bf16', { dtype: 'bfloat16', shape: [2, 1], data: Float32Array.of(1 / 3, -3e38) }],
      ['index', { dtype: 'int64', shape: [3], data: Int32Array.of(-(2 ** 31), -1, 2 ** 31 - 1) }],
      ['big', { dtype: 'int64', shape: [2], data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n) }],
      ['i32', { dtype: 'int32', shape: [1], data: Int32Array.of(-123456789) }],
      ['i16', { dtype: 'int16', shape: [2], data: Int32Array.of(-32768, 32767) }],
      ['i8', { dtype: 'int8', shape: [2], data: Int32Array.of(-128, 127) }],
      ['u8', { dtype: 'uint8', shape: [2], data: Uint8Array.of(0, 255) }],
      ['mask', { dtype: 'bool', shape: [3], data: Uint8Array.of(1, 0, 1) }],
      ['scalar', { dtype: 'float32', shape: [], data: Float32Array.of(2.5) }],
      ['empty', { dtype: 'float16', shape: [0, 4], data: new Float32Array(0) }],
      ['名前.🙂', { dtype: 'int8', shape: [1], data: Int32Array.of(3) }],
    ];
    const metadata = { format: 'pt', 'quote"back\\slash\nline': 'ünï ✓ 🙂 \u0007' };
    const file = encodeSafetensors(tensors, metadata);
    const path = join(dir, 'ours.safetensors');
    writeFileSync(path, file);
    const parsed = JSON.parse(python.run(script('parse_by_hand.py'), [path])) as ParsedByHand;

    expect(parsed.metadata).toEqual(metadata);
    expect(parsed.order).toEqual(['big', 'index', 'f64', 'features.conv.weight', 'scalar', 'i32', 'bf16', 'empty', 'f16', 'i16', 'i8', '名前.🙂', 'u8', 'mask']);
    expect(Object.keys(parsed.tensors).sort()).toEqual(tensors.map(([name]) => name).sort());
    for (const [name, t] of tensors) {
      const got = parsed.tensors[name];
      expect(got.dtype, name).toBe(DTYPES[t.dtype].safetensors);
      expect(got.shape, name).toEqual(t.shape);
      expect(got.values, name).toEqual(Array.from(t.data as ArrayLike<number | bigint>, (v) => printed(t.dtype, v)));
    }
  }, 60_000);
});
