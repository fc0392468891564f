import { describe, expect, it } from 'vitest';
import { augmentImage, cropAndFlip, normalizationTable, normalizeInto } from './augment.js';
import { Rng } from './rng.js';

const H = 5;
const W = 4;
const C = 3;
/** Every pixel distinct and non-zero, so each output byte says where it came from. */
const image = Uint8Array.from({ length: H * W * C }, (_, i) => i + 1);
const at = (y: number, x: number, k: number) => image[(y * W + x) * C + k];

describe('cropAndFlip', () => {
  it('is the identity at the centre offset without flip', () => {
    const out = new Uint8Array(image.length);
    cropAndFlip(image, H, W, C, 4, 4, 4, false, out);
    expect(out).toEqual(image);
  });

  it('is a left-right mirror with flip and no padding', () => {
    const out = new Uint8Array(image.length);
    cropAndFlip(image, H, W, C, 0, 0, 0, true, out);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let k = 0; k < C; k++) {
      expect(out[(y * W + x) * C + k]).toBe(at(y, W - 1 - x, k));
    }
  });

  it('shifts the image inside the zero-padded frame for every offset', () => {
    const p = 2;
    const out = new Uint8Array(image.length);
    for (let dy = 0; dy <= 2 * p; dy++) for (let dx = 0; dx <= 2 * p; dx++) {
      cropAndFlip(image, H, W, C, p, dy, dx, false, out);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        const sy = y + dy - p;
        const sx = x + dx - p;
        const inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
        for (let k = 0; k < C; k++) expect(out[(y * W + x) * C + k]).toBe(inside ? at(sy, sx, k) : 0);
      }
    }
    expect(() => cropAndFlip(image, H, W, C, p, 5, 0, false, out)).toThrow(/leaves the frame/);
  });
});

describe('augmentImage', () => {
  it('only ever produces crops of the padded frame, possibly mirrored, using both flips and all offsets', () => {
    const rng = Rng.fromSeed(9);
    const out = new Uint8Array(image.length);
    const candidate = new Uint8Array(image.length);
    const seen = new Set<string>();
    for (let t = 0; t < 400; t++) {
      augmentImage(image, H, W, C, { padding: 1, flip: true }, rng, out);
      let match: string | undefined;
      for (let dy = 0; dy <= 2 && !match; dy++) for (let dx = 0; dx <= 2 && !match; dx++) for (const flip of [false, true]) {
        cropAndFlip(image, H, W, C, 1, dy, dx, flip, candidate);
        if (candidate.every((v, i) => v === out[i])) match = `${dy},${dx},${flip}`;
      }
      expect(match).toBeDefined();
      seen.add(match!);
    }
    expect(seen.size).toBe(18);
  });

  it('is reproducible from the RNG state', () => {
    const a = new Uint8Array(image.length);
    const b = new Uint8Array(image.length);
    augmentImage(image, H, W, C, { padding: 4, flip: true }, Rng.fromSeed(1), a);
    augmentImage(image, H, W, C, { padding: 4, flip: true }, Rng.fromSeed(1), b);
    expect(a).toEqual(b);
  });
});

describe('normalisation', () => {
  it('computes (v / 255 - mean) / std per channel', () => {
    const mean = [0.4914, 0.4824, 0.4467];
    const std = [0.2471, 0.2435, 0.2616];
    const table = normalizationTable(mean, std);
    const src = Uint8Array.from([0, 128, 255, 255, 0, 64]);
    const out = new Float32Array(8);
    normalizeInto(src, 3, table, out, 2);
    const expected = Array.from(src, (v, i) => (v / 255 - mean[i % 3]) / std[i % 3]);
    expect(out[0]).toBe(0);
    Array.from(out.subarray(2)).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('rejects mismatched or non-positive statistics', () => {
    expect(() => normalizationTable([0.5], [0.5, 0.5])).toThrow(/one mean and one std/);
    expect(() => normalizationTable([0.5], [0])).toThrow(/positive/);
  });
});
