import { describe, expect, it } from 'vitest';
import { randomCondensedModel } from '../test-support/model.js';
import { decodeArtifact } from './decode.js';
import { encodeArtifact } from './encode.js';
import { ArtifactError } from './errors.js';
import { fetchArtifact } from './fetch.js';
import type { ArtifactManifest, TensorEntry } from './types.js';

const model = randomCondensedModel();
const encoded = encodeArtifact(model);

function entry(manifest: ArtifactManifest, suffix: string): TensorEntry {
  return manifest.layers.flatMap((l) => l.tensors).find((t) => t.name.endsWith(suffix))!;
}

/** Decodes an edited copy of the manifest (and optionally of the weights), returning the error. */
function failure(edit: (m: ArtifactManifest) => void, weights: ArrayBuffer = encoded.weights): ArtifactError {
  const manifest = JSON.parse(encoded.json) as ArtifactManifest;
  edit(manifest);
  try {
    decodeArtifact(JSON.stringify(manifest), weights);
  } catch (e) {
    expect(e).toBeInstanceOf(ArtifactError);
    return e as ArtifactError;
  }
  throw new Error('decodeArtifact accepted a corrupted artifact');
}

describe('artifact round trip', () => {
  it('restores every tensor bit for bit from float32 storage', () => {
    const back = decodeArtifact(encoded.json, encoded.weights);
    expect(back.config).toEqual(model.config);
    expect(back.classes).toEqual(model.classes);
    expect(back.normalization).toEqual(model.normalization);
    expect([...back.tensors.keys()]).toEqual([...model.tensors.keys()]);
    for (const [name, data] of model.tensors) expect(back.tensors.get(name)).toEqual(data);
  });

  it('lists layers in network order with aligned, disjoint byte ranges', () => {
    const { manifest } = encoded;
    expect(manifest.layers.map((l) => l.name)).toEqual([
      'init_conv',
      'denseblock_1.denselayer_1',
      'denseblock_1.denselayer_2',
      'denseblock_2.denselayer_1',
      'denseblock_2.denselayer_2',
      'norm_last',
      'classifier',
    ]);
    expect(entry(manifest, 'denselayer_2.conv_1.index')).toMatchObject({ shape: [12], dtype: 'int32' });
    const tensors = manifest.layers.flatMap((l) => l.tensors);
    tensors.forEach((t, i) => {
      expect(t.offset % 4).toBe(0);
      if (i > 0) expect(t.offset).toBeGreaterThanOrEqual(tensors[i - 1].offset + tensors[i - 1].byteLength);
    });
  });

  it('stores float16 in half the bytes, within float16 rounding, indices exact', () => {
    const half = encodeArtifact(model, { storage: 'float16' });
    expect(half.weights.byteLength).toBeLessThan(0.55 * encoded.weights.byteLength);
    const back = decodeArtifact(half.json, new Uint8Array(half.weights));
    for (const [name, data] of model.tensors) {
      const got = back.tensors.get(name)!;
      if (data instanceof Int32Array) expect(got).toEqual(data);
      else data.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25));
    }
  });

  it('fetches the weight file named in the manifest, relative to its URL', async () => {
    const served = new Map<string, ArrayBuffer | string>([
      ['https://models.example/c86/model.json', encoded.json],
      ['https://models.example/c86/weights.bin', encoded.weights],
    ]);
    const fakeFetch = (async (url: URL) => {
      const body = served.get(url.href);
      return new Response(body ?? null, { status: body === undefined ? 404 : 200 });
    }) as unknown as typeof fetch;
    const back = await fetchArtifact('https://models.example/c86/model.json', fakeFetch);
    expect(back.tensors.get('classifier.linear.bias')).toEqual(model.tensors.get('classifier.linear.bias'));
    await expect(fetchArtifact('https://models.example/none.json', fakeFetch)).rejects.toThrow(/HTTP 404/);
  });
});

describe('artifact validation', () => {
  it('rejects a truncated weight file', () => {
    expect(() => decodeArtifact(encoded.json, encoded.weights.slice(0, 1000))).toThrow(/weightsByteLength.*1000 bytes.*truncated/);
  });

  it('rejects bad JSON', () => {
    expect(() => decodeArtifact(encoded.json.slice(0, -5), encoded.weights)).toThrow(/manifest: is not valid JSON/);
  });

  it('rejects an unknown version and a foreign format', () => {
    expect(failure((m) => ((m as { version: number }).version = 2)).message).toMatch(/version: unknown artifact version 2; this runtime reads version 1/);
    expect(failure((m) => ((m as { format: string }).format = 'tfjs-layers')).field).toBe('format');
  });

  it('rejects shapes and sizes the plan does not have', () => {
    expect(failure((m) => (entry(m, 'denselayer_1.conv_1.conv.weight').shape = [16, 4, 1, 1])).message).toMatch(
      /denseblock_1\.denselayer_1\.conv_1\.conv\.weight: has shape \[16, 4, 1, 1\], the plan expects \[16, 2, 1, 1\]/,
    );
    const shape = failure((m) => (entry(m, 'norm_last.weight').shape = [3]));
    expect(shape.field).toBe('features.norm_last.weight');
    expect(shape.message).toMatch(/shape \[3\], the plan expects \[32\]/);
    expect(failure((m) => (entry(m, 'classifier.linear.bias').byteLength = 8)).message).toMatch(/classifier\.linear\.bias: has byteLength 8, expected 12/);
  });

  it('rejects a config that breaks core rules, and tensors of another config', () => {
    expect(failure((m) => (m.config.group1x1 = 3)).field).toBe('config');
    expect(failure((m) => (m.config.growth = [8, 8])).message).toMatch(/missing from layer|shape/);
  });

  it('rejects offsets outside the buffer and overlapping tensors', () => {
    expect(failure((m) => (entry(m, 'classifier.linear.bias').offset = encoded.weights.byteLength - 4)).message).toMatch(
      /classifier\.linear\.bias: bytes \[\d+, \d+\) lie outside the \d+-byte weight file/,
    );
    expect(failure((m) => (entry(m, 'classifier.linear.bias').offset = 0)).message).toMatch(/overlaps/);
  });

  it('rejects NaN weights, negative variances and indices out of range', () => {
    const nan = (suffix: string, value: number, dtype: 'f32' | 'i32') => {
      const w = encoded.weights.slice(0);
      const at = entry(encoded.manifest, suffix).offset + 4;
      if (dtype === 'f32') new DataView(w).setFloat32(at, value, true);
      else new DataView(w).setInt32(at, value, true);
      return failure(() => {}, w);
    };
    expect(nan('denselayer_2.conv_2.conv.weight', NaN, 'f32').message).toMatch(/denselayer_2\.conv_2\.conv\.weight: entry 1 = NaN, expected a finite number/);
    expect(nan('init_conv.weight', Infinity, 'f32').field).toBe('features.init_conv.weight');
    expect(nan('norm_last.running_var', -1, 'f32').message).toMatch(/variance must be >= 0/);
    expect(nan('denselayer_1.conv_1.index', 8, 'i32').message).toMatch(/conv_1\.index: entry 1 = 8 is outside \[0, 8\)/);
  });

  it('rejects missing and unexpected tensors, bad metadata and weight paths', () => {
    expect(failure((m) => m.layers[1].tensors.pop()).message).toMatch(/missing from layer denseblock_1\.denselayer_1/);
    expect(failure((m) => m.layers[0].tensors.push({ ...m.layers[0].tensors[0], name: 'extra' })).message).toMatch(/extra: is not a tensor/);
    expect(failure((m) => m.normalization.std.pop()).message).toMatch(/normalization\.std: expected an array of inputChannels = 3/);
    expect(failure((m) => (m.normalization.std[1] = 0)).field).toBe('normalization.std[1]');
    expect(failure((m) => m.classes.pop()).message).toMatch(/classes: expected an array of numClasses = 3 strings/);
    expect(failure((m) => (m.weightsFile = '../secret.bin')).field).toBe('weightsFile');
    expect(failure((m) => ((m.layers[2].tensors[0] as { dtype: string }).dtype = 'float64')).field).toBe('layers[2].tensors[0].dtype');
  });

  it('refuses to encode what it could not decode', () => {
    const broken = randomCondensedModel();
    broken.tensors.get('features.norm_last.bias')![2] = NaN;
    expect(() => encodeArtifact(broken)).toThrow(/features\.norm_last\.bias: entry 2 = NaN/);
    const big = randomCondensedModel();
    big.tensors.get('classifier.linear.weight')![0] = 1e6;
    expect(() => encodeArtifact(big, { storage: 'float16' })).toThrow(/classifier\.linear\.weight: entry 0 = 1000000 overflows float16/);
    const short = randomCondensedModel();
    short.tensors.set('classifier.linear.bias', new Float32Array(2));
    expect(() => encodeArtifact(short)).toThrow(/classifier\.linear\.bias: has 2 values, expected 3/);
  });
});
