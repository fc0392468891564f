import type { Plane } from './channels.js';

/** A region of the source image, in pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * A pixel belongs to the object when its luma differs from the background's by more than this:
 * enough to ignore JPEG noise and anti-aliasing fringes, little enough to keep faint strokes.
 */
const OBJECT_CONTRAST = 0.1;

/** Mean of the outermost rows and columns: the background, for centred objects. */
export function borderMean(plane: Plane, width: number, height: number): number {
  let sum = 0;
  let count = 0;
  for (let y = 0; y < height; y++) {
    // Inner rows contribute only their first and last pixel.
    const step = y === 0 || y === height - 1 ? 1 : Math.max(1, width - 1);
    for (let x = 0; x < width; x += step) {
      sum += plane[y * width + x];
      count++;
    }
  }
  return sum / count;
}

/** The smallest box holding every pixel that stands out from the border; the whole image if none does. */
export function objectBox(luma: Plane, width: number, height: number): Box {
  const background = borderMean(luma, width, height);
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (Math.abs(luma[y * width + x] - background) > OBJECT_CONTRAST) {
        left = Math.min(left, x);
        right = Math.max(right, x);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
      }
    }
  }
  return right < 0 ? { x: 0, y: 0, width, height } : { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
}
