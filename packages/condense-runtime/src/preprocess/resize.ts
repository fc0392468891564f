import type { Box } from './background.js';
import type { Plane } from './channels.js';

/**
 * How a region goes into the square frame, aspect ratio kept: `cover` scales its shorter side to
 * the frame (divided by `cropFraction`) and cuts the centre, as torchvision's Resize + CenterCrop;
 * `contain` scales its longer side to the frame and fills the rest with the background, as
 * Fashion-MNIST's garments were framed.
 */
export type Fit = 'cover' | 'contain';

export interface Framing {
  size: number;
  fit: Fit;
  /** cover only: the frame's share of the scaled shorter side (224 / 256 for the reference's ImageNet evaluation). */
  cropFraction: number;
}

/**
 * `box` of the planes as size x size x planes.length HWC values, by area averaging: each output
 * pixel is the mean of the source area it covers, so shrinking loses no light and an image
 * already of the frame's size comes through unchanged.
 */
export function frame(planes: Plane[], width: number, box: Box, background: number[], { size, fit, cropFraction }: Framing): Float32Array {
  const side = fit === 'cover' ? Math.min(box.width, box.height) * cropFraction : Math.max(box.width, box.height);
  const scale = size / side;
  const columns = axisWeights(box.x, box.width, scale, size);
  const rows = axisWeights(box.y, box.height, scale, size);
  const channels = planes.length;
  const out = new Float32Array(size * size * channels);
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      const coverage = rows[oy].total * columns[ox].total;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (const [sy, wy] of rows[oy].taps) {
          const row = sy * width;
          for (const [sx, wx] of columns[ox].taps) sum += wy * wx * planes[c][row + sx];
        }
        out[(oy * size + ox) * channels + c] = Math.min(Math.max(sum + (1 - coverage) * background[c], 0), 1);
      }
    }
  }
  return out;
}

/**
 * For each of `size` output pixels along one axis: the source pixels of [start, start + length)
 * it covers and by what fraction of its own extent, with the content centred. `total` < 1 where
 * the output pixel reaches past the content (the rest is background).
 */
function axisWeights(start: number, length: number, scale: number, size: number): { taps: [number, number][]; total: number }[] {
  // A whole-pixel offset: a half-pixel one would blur an unscaled image, and a model trained on
  // sharp images is sensitive to that (a Fashion-MNIST test trouser drops from 99% to 78%).
  const offset = Math.round((size - length * scale) / 2);
  return Array.from({ length: size }, (_, o) => {
    const from = (o - offset) / scale;
    const to = (o + 1 - offset) / scale;
    const taps: [number, number][] = [];
    let total = 0;
    for (let s = Math.max(0, Math.floor(from)); s < Math.min(length, Math.ceil(to)); s++) {
      const w = (Math.min(to, s + 1) - Math.max(from, s)) * scale;
      if (w > 0) {
        taps.push([start + s, w]);
        total += w;
      }
    }
    return { taps, total };
  });
}
