import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../api/pixels.js';
import { preprocessImage, preprocessingFor, type PreprocessOptions } from './preprocess.js';

const GRAY: PreprocessOptions = { ...preprocessingFor({ size: 28, channels: 1 }), crop: false };
const AS_STORED = { autoInvert: false, crop: false };

/** An opaque gray image from values in 0..255, row-major. */
function grayImage(width: number, height: number, value: (x: number, y: number) => number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      data.fill(value(x, y), p, p + 3);
      data[p + 3] = 255;
    }
  }
  return { data, width, height };
}

/** A deterministic pseudo-random byte per position, dark enough that nothing is inverted. */
const texture = (x: number, y: number) => (x * 73 + y * 151 + x * y * 7) % 120;

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe('preprocessingFor', () => {
  it('frames grayscale models as Fashion-MNIST and RGB ones as torchvision evaluates', () => {
    expect(preprocessingFor({ size: 28, channels: 1 })).toEqual({ size: 28, channels: 1, fit: 'contain', cropFraction: 1, autoInvert: true, crop: true });
    expect(preprocessingFor({ size: 32, channels: 3 })).toEqual({ size: 32, channels: 3, fit: 'cover', cropFraction: 1, autoInvert: false, crop: false });
    expect(preprocessingFor({ size: 224, channels: 3 }).cropFraction).toBe(224 / 256);
    expect(() => preprocessingFor({ size: 28, channels: 4 })).toThrow(/4 channels/);
  });
});

describe('preprocessImage', () => {
  it('passes an image of the model size through unchanged (scaled to [0, 1]) in either fit', () => {
    const image = grayImage(28, 28, (x, y) => (texture(x, y) * 2 + (x === 14 ? 255 : 0)) % 256);
    for (const fit of ['contain', 'cover'] as const) {
      const { pixels, inverted, box } = preprocessImage(image, { ...GRAY, ...AS_STORED, fit });
      expect(inverted).toBe(false);
      expect(box).toEqual({ x: 0, y: 0, width: 28, height: 28 });
      for (let p = 0; p < 28 * 28; p++) expect(pixels[p]).toBeCloseTo(image.data[p * 4] / 255, 6);
    }
  });

  it('averages each k x k block when shrinking by a whole factor', () => {
    const image = grayImage(84, 84, texture);
    const { pixels } = preprocessImage(image, GRAY);
    for (const [ox, oy] of [[0, 0], [5, 17], [27, 27]]) {
      let sum = 0;
      for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) sum += texture(ox * 3 + dx, oy * 3 + dy);
      expect(pixels[oy * 28 + ox]).toBeCloseTo(sum / 9 / 255, 6);
    }
  });

  it('keeps the mean brightness at any scale factor (area averaging loses no light)', () => {
    for (const side of [29, 37, 100, 281]) {
      const image = grayImage(side, side, texture);
      const { pixels } = preprocessImage(image, GRAY);
      const source = Array.from({ length: side * side }, (_, p) => image.data[p * 4] / 255);
      expect(mean(pixels)).toBeCloseTo(mean(source), 5);
    }
  });

  it('repeats each pixel k x k times when enlarging by a whole factor', () => {
    const image = grayImage(7, 7, texture);
    const { pixels } = preprocessImage(image, GRAY);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) expect(pixels[y * 28 + x]).toBeCloseTo(texture(x >> 2, y >> 2) / 255, 6);
    }
  });

  it('contains a wide image by its width, centred, filling above and below with the background', () => {
    // 8 x 4 into 8 x 8: the content takes rows 2-5; rows 0-1 and 6-7 are background (the border's 10).
    const framed = grayImage(8, 4, (x, y) => (x === 0 || y === 0 || x === 7 || y === 3 ? 10 : 250));
    const out = preprocessImage(framed, { ...GRAY, size: 8 }).pixels;
    for (const row of [0, 1, 6, 7]) for (let x = 0; x < 8; x++) expect(out[row * 8 + x]).toBeCloseTo(10 / 255, 6);
    expect(out[3 * 8 + 3]).toBeCloseTo(250 / 255, 6);
  });

  it('covers with the shorter side and cuts the centre', () => {
    // 6 x 2 into 2 x 2 at scale 1: columns 2 and 3.
    const image = grayImage(6, 2, (x) => 10 * x);
    const { pixels } = preprocessImage(image, { ...GRAY, ...AS_STORED, size: 2, fit: 'cover' });
    expect(Array.from(pixels, (v) => Math.round(v * 255))).toEqual([20, 30, 20, 30]);
  });

  it("follows the reference's ImageNet evaluation for larger images: shorter side to 256, centre 224", () => {
    // 512 x 512 halves to 256; the centre 224 of it is source columns 32..479, all dark.
    const image = { ...grayImage(512, 512, (x) => (x < 32 || x >= 480 ? 255 : 0)) };
    const rgb = preprocessingFor({ size: 224, channels: 3 });
    const cropped = preprocessImage(image, rgb).pixels;
    expect(cropped.every((v) => v === 0)).toBe(true);
    const fitted = preprocessImage(image, { ...rgb, cropFraction: 1 }).pixels;
    expect(fitted[0]).toBeGreaterThan(0.9);
    // A 224 x 224 image is already a model input, and a smaller one is only fitted.
    const small = grayImage(224, 224, (x) => (x === 0 ? 255 : 0));
    expect(preprocessImage(small, rgb).pixels[0]).toBe(1);
  });

  it('inverts an image whose background is light, only when asked to', () => {
    const image = grayImage(28, 28, (x, y) => (x > 10 && x < 18 && y > 5 && y < 22 ? 0 : 255));
    const on = preprocessImage(image, GRAY);
    expect(on.inverted).toBe(true);
    expect(on.pixels[0]).toBe(0);
    expect(on.pixels[14 * 28 + 14]).toBe(1);
    const off = preprocessImage(image, { ...GRAY, autoInvert: false });
    expect(off.inverted).toBe(false);
    expect(off.pixels[0]).toBe(1);
    expect(off.pixels[14 * 28 + 14]).toBe(0);
  });

  it('crops to the object and fits its longer side to the frame', () => {
    // A white 10 x 20 bar at (30, 40) on black 100 x 100: it becomes 14 x 28, centred.
    const image = grayImage(100, 100, (x, y) => (x >= 30 && x < 40 && y >= 40 && y < 60 ? 255 : 0));
    const { pixels, box } = preprocessImage(image, { ...GRAY, crop: true });
    expect(box).toEqual({ x: 30, y: 40, width: 10, height: 20 });
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) expect(pixels[y * 28 + x]).toBeCloseTo(x >= 7 && x < 21 ? 1 : 0, 6);
    }
  });

  it("does not crop an image already of the model's size: a data set's own image is framed as trained", () => {
    const image = grayImage(28, 28, (x, y) => (x >= 10 && x < 14 && y >= 5 && y < 20 ? 255 : 0));
    const { pixels, box } = preprocessImage(image, { ...GRAY, crop: true });
    expect(box).toEqual({ x: 0, y: 0, width: 28, height: 28 });
    for (let p = 0; p < 28 * 28; p++) expect(pixels[p]).toBeCloseTo(image.data[p * 4] / 255, 6);
  });

  it('keeps the whole image when nothing stands out from the background', () => {
    const { box, pixels } = preprocessImage(grayImage(50, 40, () => 0), { ...GRAY, crop: true });
    expect(box).toEqual({ x: 0, y: 0, width: 50, height: 40 });
    expect(pixels.every((v) => v === 0)).toBe(true);
  });

  it('composites transparency over white, so a transparent background counts as light', () => {
    const data = new Uint8ClampedArray(28 * 28 * 4); // all transparent black
    for (let y = 8; y < 20; y++) for (let x = 8; x < 20; x++) data.set([0, 0, 0, 255], (y * 28 + x) * 4);
    const image = { data, width: 28, height: 28 };
    expect(preprocessImage(image, { ...GRAY, autoInvert: false }).pixels[0]).toBe(1);
    const inverted = preprocessImage(image, GRAY);
    expect(inverted.inverted).toBe(true);
    expect(inverted.pixels[0]).toBe(0);
    expect(inverted.pixels[14 * 28 + 14]).toBe(1);
  });

  it('takes BT.601 luma for one channel and keeps RGB for three', () => {
    const data = new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 0, 0, 0, 255]);
    const image = { data, width: 2, height: 2 };
    const gray = preprocessImage(image, { ...GRAY, ...AS_STORED, size: 2 }).pixels;
    expect(Array.from(gray)).toEqual([0.299, 0.587, 0.114, 0].map(Math.fround));
    const rgb = preprocessImage(image, { ...preprocessingFor({ size: 2, channels: 3 }) }).pixels;
    expect(Array.from(rgb)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('says what it expected of malformed input', () => {
    expect(() => preprocessImage({ data: new Uint8ClampedArray(10), width: 2, height: 2 }, GRAY)).toThrow(/10 bytes, expected width \* height \* 4 = 16/);
    expect(() => preprocessImage({ data: new Uint8ClampedArray(0), width: 0, height: 0 }, GRAY)).toThrow(/0x0 pixels/);
    expect(() => preprocessImage({ data: [1, 2, 3, 4] as unknown as Uint8Array, width: 1, height: 1 }, GRAY)).toThrow(/Uint8ClampedArray/);
    expect(() => preprocessImage(grayImage(2, 2, () => 0), { ...GRAY, channels: 4 as 1 })).toThrow(/4 channels/);
    expect(() => preprocessImage(grayImage(2, 2, () => 0), { ...GRAY, cropFraction: 0 })).toThrow(/crop fraction 0/);
  });
});
