/** RGBA bytes with their size: a DOM `ImageData`, a canvas readback, or a decoded PNG. */
export interface RgbaImage {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

export interface PreprocessOptions {
  /** Side of the model's square input. */
  size: number;
  /** 1: grayscale (BT.601 luma); 3: RGB. */
  channels: 1 | 3;
  /** Turn a light background dark, as Fashion-MNIST's light garments on black. */
  autoInvert: boolean;
  /** Crop to the object (what differs from the background) before fitting it to the frame. */
  crop: boolean;
}

/** Leaves an image of the model's size exactly as it is (scaled to [0, 1]). */
export const AS_STORED: Pick<PreprocessOptions, 'autoInvert' | 'crop'> = { autoInvert: false, crop: false };

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Preprocessed {
  /** size x size x channels, HWC, in [0, 1]: what the model gets. */
  pixels: Float32Array;
  /** Whether the image was inverted (its background was light). */
  inverted: boolean;
  /** The source region that was fitted into the frame. */
  box: Box;
}

/** ITU-R BT.601 luma, as the runtime and PIL's convert('L') use. */
const LUMA = [0.299, 0.587, 0.114] as const;

/** Above this mean border brightness the background counts as light. */
const LIGHT_BACKGROUND = 0.5;

/**
 * A pixel belongs to the object when its luma differs from the background's by more than this:
 * enough to ignore JPEG noise and anti-aliasing fringes, little enough to keep faint strokes.
 */
const OBJECT_CONTRAST = 0.1;

/**
 * An image of any size as the model's input: composited over white (how a transparent image
 * looks on a page), converted to the model's channels, inverted when its background is light and
 * `autoInvert` is on, optionally cropped to the object, then fitted into size x size keeping its
 * aspect ratio (longer side = size, centred, the rest filled with the background) with area
 * averaging, so that each output pixel is the mean of the source area it covers. Fashion-MNIST's
 * images were made that way: the garment's longer side fills the 28-pixel frame.
 */
export function preprocess(image: RgbaImage, options: PreprocessOptions): Preprocessed {
  checkImage(image);
  const { size, channels } = options;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`preprocess: size ${size} must be a positive integer`);
  if (channels !== 1 && channels !== 3) throw new RangeError(`preprocess: ${String(channels)} channels; the demo handles 1 (grayscale) or 3 (RGB)`);
  const { width, height } = image;
  const luma = new Float32Array(width * height);
  const planes = channels === 1 ? [luma] : [0, 1, 2].map(() => new Float32Array(width * height));
  for (let p = 0; p < width * height; p++) {
    const alpha = image.data[p * 4 + 3] / 255;
    let y = 0;
    for (let c = 0; c < 3; c++) {
      const v = (image.data[p * 4 + c] * alpha + 255 * (1 - alpha)) / 255;
      y += LUMA[c] * v;
      if (channels === 3) planes[c][p] = v;
    }
    luma[p] = Math.min(1, y);
  }
  let background = planes.map((plane) => borderMean(plane, width, height));
  const inverted = options.autoInvert && borderMean(luma, width, height) > LIGHT_BACKGROUND;
  if (inverted) {
    for (const plane of new Set([luma, ...planes])) for (let p = 0; p < plane.length; p++) plane[p] = 1 - plane[p];
    background = background.map((b) => 1 - b);
  }
  const box = options.crop ? objectBox(luma, width, height) : { x: 0, y: 0, width, height };
  const pixels = new Float32Array(size * size * channels);
  const scale = size / Math.max(box.width, box.height);
  const columns = axisWeights(box.x, box.width, scale, size);
  const rows = axisWeights(box.y, box.height, scale, size);
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      const coverage = rows[oy].total * columns[ox].total;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (const [sy, wy] of rows[oy].taps) {
          const row = sy * width;
          for (const [sx, wx] of columns[ox].taps) sum += wy * wx * planes[c][row + sx];
        }
        pixels[(oy * size + ox) * channels + c] = clamp01(sum + (1 - coverage) * background[c]);
      }
    }
  }
  return { pixels, inverted, box };
}

/** Preprocessed pixels as an opaque RGBA image, e.g. to show what the model sees. */
export function toRgba(pixels: Float32Array, size: number, channels: 1 | 3): RgbaImage {
  const data = new Uint8ClampedArray(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    for (let c = 0; c < 3; c++) data[p * 4 + c] = Math.round(pixels[p * channels + (channels === 1 ? 0 : c)] * 255);
    data[p * 4 + 3] = 255;
  }
  return { data, width: size, height: size };
}

function checkImage(image: RgbaImage): void {
  if (!image || !(image.data instanceof Uint8ClampedArray || image.data instanceof Uint8Array)) {
    throw new TypeError('preprocess: expected { data: Uint8ClampedArray | Uint8Array (RGBA), width, height }');
  }
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`preprocess: the image is ${width}x${height} pixels; it needs at least one`);
  }
  if (image.data.length !== width * height * 4) {
    throw new RangeError(`preprocess: ${image.data.length} bytes, expected width * height * 4 = ${width * height * 4} (RGBA)`);
  }
}

function clamp01(v: number): number {
  return Math.min(Math.max(v, 0), 1);
}

/** Mean of the outermost rows and columns: the background, for centred objects. */
function borderMean(plane: Float32Array, width: number, height: number): number {
  let sum = 0;
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (y === 0 || y === height - 1 || x === 0 || x === width - 1) {
        sum += plane[y * width + x];
        count++;
      }
    }
  }
  return sum / count;
}

/** The smallest box holding every pixel that stands out from the border; the whole image if none does. */
function objectBox(luma: Float32Array, width: number, height: number): Box {
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

/**
 * For each of `size` output pixels along one axis: the source pixels of [start, start + length)
 * it covers and by what fraction of its own extent, with the content centred. `total` < 1 where
 * the output pixel reaches past the content (the rest is background).
 */
function axisWeights(start: number, length: number, scale: number, size: number): { taps: [number, number][]; total: number }[] {
  // A whole-pixel offset: a half-pixel one would blur an unscaled image, and the model, trained
  // on sharp images, is sensitive to that (a test trouser drops from 99% to 78%).
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
