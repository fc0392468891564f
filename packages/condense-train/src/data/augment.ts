import type { Rng } from './rng.js';

/**
 * Training-time augmentation as in the reference CondenseNet CIFAR recipe
 * (torchvision RandomCrop(32, padding=4) then RandomHorizontalFlip): the image is
 * zero-padded by `padding` on every side, a window of the original size is cut at a
 * uniformly random offset, and it is mirrored left-right with probability 1/2.
 */
export interface Augmentation {
  readonly padding: number;
  readonly flip: boolean;
}

export const CIFAR_AUGMENTATION: Augmentation = Object.freeze({ padding: 4, flip: true });

/**
 * Writes into `out` the h x w window of `src` zero-padded by `padding`, whose top-left
 * corner sits at (dy, dx) of the padded frame (0 <= dy, dx <= 2*padding), mirrored
 * horizontally when `flip`. dy = dx = padding with no flip is the identity.
 */
export function cropAndFlip(
  src: Uint8Array,
  height: number,
  width: number,
  channels: number,
  padding: number,
  dy: number,
  dx: number,
  flip: boolean,
  out: Uint8Array,
): void {
  if (dy < 0 || dx < 0 || dy > 2 * padding || dx > 2 * padding) {
    throw new RangeError(`crop offset (${dy}, ${dx}) leaves the frame padded by ${padding}`);
  }
  const c = channels;
  for (let y = 0; y < height; y++) {
    const sy = y + dy - padding;
    const rowInside = sy >= 0 && sy < height;
    for (let x = 0; x < width; x++) {
      const sx = (flip ? width - 1 - x : x) + dx - padding;
      const o = (y * width + x) * c;
      if (rowInside && sx >= 0 && sx < width) {
        const s = (sy * width + sx) * c;
        for (let k = 0; k < c; k++) out[o + k] = src[s + k];
      } else {
        for (let k = 0; k < c; k++) out[o + k] = 0;
      }
    }
  }
}

/**
 * Applies `augmentation` with offsets and flip drawn from `rng` in a fixed order
 * (dy, dx, flip), so that a restored RNG state reproduces the same images.
 */
export function augmentImage(
  src: Uint8Array,
  height: number,
  width: number,
  channels: number,
  augmentation: Augmentation,
  rng: Rng,
  out: Uint8Array,
): void {
  const p = augmentation.padding;
  const dy = p > 0 ? rng.nextInt(2 * p + 1) : 0;
  const dx = p > 0 ? rng.nextInt(2 * p + 1) : 0;
  const flip = augmentation.flip ? rng.nextFloat() < 0.5 : false;
  cropAndFlip(src, height, width, channels, p, dy, dx, flip, out);
}

/**
 * (pixel / 255 - mean[c]) / std[c] for every channel c, as a lookup table of
 * 256 * channels floats: one table read per pixel instead of a divide.
 */
export function normalizationTable(mean: readonly number[], std: readonly number[]): Float32Array {
  if (mean.length !== std.length || mean.length === 0) {
    throw new Error(`normalisation needs one mean and one std per channel, got ${mean.length} and ${std.length}`);
  }
  std.forEach((s) => {
    if (!(s > 0)) throw new Error(`normalisation std must be positive, got ${s}`);
  });
  const c = mean.length;
  const table = new Float32Array(256 * c);
  for (let v = 0; v < 256; v++) {
    for (let k = 0; k < c; k++) table[v * c + k] = (v / 255 - mean[k]) / std[k];
  }
  return table;
}

/** Normalises the HWC uint8 pixels `src` into `out` starting at `offset`. */
export function normalizeInto(src: Uint8Array, channels: number, table: Float32Array, out: Float32Array, offset: number): void {
  for (let i = 0; i < src.length; i++) out[offset + i] = table[src[i] * channels + (i % channels)];
}
