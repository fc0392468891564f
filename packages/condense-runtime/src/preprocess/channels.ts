import { InputError, type RgbaImage } from '../api/pixels.js';

/** ITU-R BT.601 luma, as PIL's convert('L') and most grayscale datasets use. */
const LUMA = [0.299, 0.587, 0.114] as const;

/** One value per pixel, row-major, in [0, 1]. */
export type Plane = Float32Array;

/**
 * The image as planes of the model's channels (one luma plane, or R, G and B) plus its luma, in
 * [0, 1]. Transparency is composited over white, which is how a page shows a transparent image
 * and what a drawing's transparent background means.
 */
export function planesOf(image: RgbaImage, channels: 1 | 3): { planes: Plane[]; luma: Plane } {
  checkRgba(image);
  const count = image.width * image.height;
  const luma = new Float32Array(count);
  const planes = channels === 1 ? [luma] : [0, 1, 2].map(() => new Float32Array(count));
  const { data } = image;
  for (let p = 0; p < count; p++) {
    const alpha = data[p * 4 + 3] / 255;
    let y = 0;
    for (let c = 0; c < 3; c++) {
      const v = (data[p * 4 + c] * alpha + 255 * (1 - alpha)) / 255;
      y += LUMA[c] * v;
      if (channels === 3) planes[c][p] = v;
    }
    luma[p] = y;
  }
  return { planes, luma };
}

function checkRgba(image: RgbaImage): void {
  if (!image || !(image.data instanceof Uint8ClampedArray || image.data instanceof Uint8Array)) {
    throw new InputError('preprocess: expected { data: Uint8ClampedArray | Uint8Array (RGBA), width, height }');
  }
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InputError(`preprocess: the image is ${width}x${height} pixels; it needs at least one`);
  }
  if (image.data.length !== width * height * 4) {
    throw new InputError(`preprocess: ${image.data.length} bytes, expected width * height * 4 = ${width * height * 4} (RGBA)`);
  }
}
