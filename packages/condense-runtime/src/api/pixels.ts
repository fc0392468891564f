import * as tf from '@tensorflow/tfjs-core';
import { allFinite } from './finite.js';

/** RGBA bytes with their size: a DOM `ImageData`, a canvas readback, or raw bytes. */
export interface RgbaImage {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

/**
 * What `predict` accepts: RGBA images (one or a batch), or an NHWC / HWC tensor whose dtype says
 * its scale: int32 (what `tf.browser.fromPixels` returns) holds bytes 0-255, float32 holds
 * values in [0, 1]. Either way the model's own mean/std are applied afterwards, so pass pixels,
 * not normalised values. Tensors may have 1, 3 or 4 (RGBA) channels.
 */
export type ImageInput = tf.Tensor | RgbaImage | readonly RgbaImage[];

export interface InputGeometry {
  size: number;
  channels: number;
}

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** ITU-R BT.601 luma, as PIL's convert('L') and most grayscale datasets use. */
const LUMA = [0.299, 0.587, 0.114];

/** Pixels in [0, 1], NHWC with the model's channels: what a session runs on. */
export async function toModelInput(input: ImageInput, geometry: InputGeometry): Promise<{ pixels: Float32Array; batch: number }> {
  if (input instanceof tf.Tensor) return fromTensor(input, geometry);
  const images = Array.isArray(input) ? (input as readonly RgbaImage[]) : [input as RgbaImage];
  if (images.length === 0) throw new InputError('predict: no images');
  const perImage = geometry.size * geometry.size * geometry.channels;
  const pixels = new Float32Array(images.length * perImage);
  images.forEach((image, n) => {
    checkRgba(image, n, geometry);
    convertChannels(image.data, 4, 1 / 255, pixels.subarray(n * perImage, (n + 1) * perImage), geometry.channels);
  });
  return { pixels, batch: images.length };
}

function checkRgba(image: RgbaImage, n: number, { size }: InputGeometry): void {
  const what = `image ${n}`;
  if (!image || !(image.data instanceof Uint8ClampedArray || image.data instanceof Uint8Array)) {
    throw new InputError(`${what}: expected { data: Uint8ClampedArray | Uint8Array (RGBA), width, height } or a tf.Tensor`);
  }
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width < 1 || image.height < 1) {
    throw new InputError(`${what}: width ${image.width} and height ${image.height} must be positive integers`);
  }
  if (image.data.length !== image.width * image.height * 4) {
    throw new InputError(`${what}: ${image.data.length} bytes, expected width * height * 4 = ${image.width * image.height * 4} (RGBA)`);
  }
  if (image.width !== size || image.height !== size) {
    throw new InputError(`${what}: ${image.width}x${image.height}, the model takes ${size}x${size} (resize or crop first)`);
  }
}

async function fromTensor(x: tf.Tensor, { size, channels }: InputGeometry): Promise<{ pixels: Float32Array; batch: number }> {
  if (x.isDisposed) throw new InputError('predict: the input tensor is disposed');
  if (x.rank !== 3 && x.rank !== 4) throw new InputError(`predict: tensor of shape [${x.shape.join(', ')}], expected [batch, height, width, channels] or [height, width, channels]`);
  const [batch, height, width, c] = x.rank === 4 ? x.shape : [1, ...x.shape];
  if (height !== size || width !== size) throw new InputError(`predict: images are ${width}x${height}, the model takes ${size}x${size} (resize or crop first)`);
  if (batch === 0) throw new InputError('predict: empty batch');
  if (x.dtype !== 'int32' && x.dtype !== 'float32') throw new InputError(`predict: tensor dtype ${x.dtype}, expected int32 (0-255) or float32 (0-1)`);
  if (!(c === channels || c === 1 || c === 3 || c === 4)) throw new InputError(`predict: ${c} channels, expected ${channels}, 1, 3 or 4 (RGBA)`);
  const data = (await x.data()) as Float32Array | Int32Array;
  if (x.dtype === 'float32' && !allFinite(data)) throw new InputError('predict: the input tensor holds NaN or infinite values');
  const perImage = size * size * channels;
  const pixels = new Float32Array(batch * perImage);
  const scale = x.dtype === 'int32' ? 1 / 255 : 1;
  for (let n = 0; n < batch; n++) {
    const source = data.subarray(n * size * size * c, (n + 1) * size * size * c);
    convertChannels(source, c, scale, pixels.subarray(n * perImage, (n + 1) * perImage), channels);
  }
  return { pixels, batch };
}

/**
 * Copies `source` (c channels per pixel) into `target` (channels per pixel), scaled: gray to RGB
 * repeats, RGB(A) to gray takes luma, alpha is dropped; equal counts copy as they are.
 */
function convertChannels(source: ArrayLike<number>, c: number, scale: number, target: Float32Array, channels: number): void {
  const pixelCount = target.length / channels;
  for (let p = 0; p < pixelCount; p++) {
    const s = p * c;
    const t = p * channels;
    if (c === channels) {
      for (let k = 0; k < channels; k++) target[t + k] = source[s + k] * scale;
    } else if (channels === 1) {
      target[t] = (LUMA[0] * source[s] + LUMA[1] * source[s + 1] + LUMA[2] * source[s + 2]) * scale;
    } else if (channels === 3) {
      for (let k = 0; k < 3; k++) target[t + k] = source[c === 1 ? s : s + k] * scale;
    } else {
      throw new InputError(`predict: cannot turn ${c}-channel images into the model's ${channels} channels`);
    }
  }
}
