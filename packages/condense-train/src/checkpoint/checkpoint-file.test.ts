import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetConfig } from '@condensenet/core';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeCheckpoint } from './checkpoint-file.js';
import type { Checkpoint } from './checkpoint-file.js';

function sample(): Checkpoint {
  return {
    config: presetConfig('condensenet-50'),
    training: { epoch: 3, iteration: 123, progress: 0.25, rng: [1, 2, 3, 4] },
    weights: [
      { name: 'conv/kernel', shape: [2, 3], dtype: 'float32', values: Float32Array.from([1, 2, 3, 4, 5, -6.5]) },
      { name: 'lgc/stage', shape: [], dtype: 'int32', values: Int32Array.from([2]) },
    ],
    optimizer: [{ name: 'conv/kernel', shape: [2, 3], dtype: 'float32', values: new Float32Array(6).fill(0.25) }],
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.byteLength, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

describe('checkpoint file', () => {
  it('round-trips configuration, state, weights and optimizer buffers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const path = join(dir, 'last.ckpt');
    writeCheckpoint(path, sample());
    expect(readCheckpoint(path)).toEqual(sample());
  });

  it.each([
    ['a wrong signature', (b: Uint8Array) => b.fill(0, 0, 8), /missing the 'CNDNCKPT' signature/],
    ['a truncated file', (b: Uint8Array) => b.subarray(0, b.byteLength - 3), /tensor 'conv\/kernel' \[2,3\] lies outside the file \(truncated\?\)/],
    ['a broken header', (b: Uint8Array) => b.fill(0x7b, 12, 20), /header is not valid JSON/],
    ['a cut header', (b: Uint8Array) => b.subarray(0, 40), /header of \d+ bytes runs past the end/],
  ])('names the file and the problem for %s', (_, damage, message) => {
    const bytes = damage(concat(encodeCheckpoint(sample())));
    expect(() => decodeCheckpoint(bytes, 'runs/x/last.ckpt')).toThrow(/^runs\/x\/last\.ckpt: not a usable CondenseNet checkpoint: /);
    expect(() => decodeCheckpoint(bytes, 'runs/x/last.ckpt')).toThrow(message);
  });

  it('rejects an unknown version', () => {
    const bytes = concat(encodeCheckpoint(sample()));
    const text = new TextDecoder().decode(bytes);
    const patched = new TextEncoder().encode(text.replace('"version":1', '"version":9'));
    expect(() => decodeCheckpoint(patched, 'f.ckpt')).toThrow(/version 9 is not supported/);
  });

  /** The checkpoint with its JSON header edited (the length prefix kept right), as a fuzzer finds them. */
  function withHeader(edit: (header: Record<string, unknown>) => unknown): Uint8Array {
    const [head, ...data] = encodeCheckpoint(sample());
    const length = new DataView(head.buffer).getUint32(8, true);
    const json = new TextEncoder().encode(JSON.stringify(edit(JSON.parse(new TextDecoder().decode(head.subarray(12, 12 + length))))));
    const out = new Uint8Array(12 + json.byteLength);
    out.set(head.subarray(0, 8));
    new DataView(out.buffer).setUint32(8, json.byteLength, true);
    out.set(json, 12);
    return concat([out, ...data]);
  }

  type Header = Record<string, unknown>;
  const firstWeight = (h: Header) => (h.weights as Header[])[0];
  const setWeight = (field: string, value: unknown) => (h: Header) => Object.assign(h, { weights: [{ ...firstWeight(h), [field]: value }] });
  it.each([
    ['a header that is not an object', () => null, /header is not a JSON object/],
    ['a shape that is not a list', setWeight('shape', 6), /weight tensor 'conv\/kernel': shape = 6, expected a list/],
    ['a negative dimension', setWeight('shape', [-2, -3]), /shape = \[-2,-3\], expected a list of non-negative integers/],
    ['an unknown dtype', setWeight('dtype', 'float64'), /dtype = "float64", expected "float32" or "int32"/],
    ['a tensor entry that is null', (h: Header) => Object.assign(h, { weights: [null] }), /weight tensor #0 is not an object with a name/],
    ['an offset that is not a number', setWeight('offset', '0'), /offset = "0", expected a non-negative integer/],
    ['training that is not an object', (h: Header) => Object.assign(h, { training: 3 }), /training = 3, expected an object/],
  ])('refuses %s in the header with the field named (found by the fuzzer)', (_, edit, message) => {
    expect(() => decodeCheckpoint(withHeader(edit), 'f.ckpt')).toThrow(/^f\.ckpt: not a usable CondenseNet checkpoint: /);
    expect(() => decodeCheckpoint(withHeader(edit), 'f.ckpt')).toThrow(message);
  });

  it('names a missing file', () => {
    expect(() => readCheckpoint('/nonexistent/last.ckpt')).toThrow('cannot read checkpoint /nonexistent/last.ckpt: ENOENT');
  });

  it('keeps the previous checkpoint when a write dies part-way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const path = join(dir, 'last.ckpt');
    writeCheckpoint(path, sample());
    const before = readFileSync(path);
    const next = { ...sample(), training: { epoch: 4 } };
    expect(() =>
      writeCheckpoint(path, next, {
        afterChunk: () => {
          throw new Error('killed');
        },
      }),
    ).toThrow('killed');
    expect(readFileSync(path)).toEqual(before);
  });
});
