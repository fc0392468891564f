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
