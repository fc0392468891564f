import { existsSync } from 'node:fs';
import type { RgbaImage } from '@condensenet/runtime';
import { decodeRgb, resizeShorterSideCenterCrop } from '@condensenet/train';
import { UsageError } from './errors.js';

/**
 * A PNG or JPEG as the size x size RGBA image a model takes: other sizes are scaled so the
 * shorter side fits and centre-cropped, as the training pipeline prepares image folders.
 */
export function readImage(file: string, size: number): RgbaImage {
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  let decoded: ReturnType<typeof decodeRgb>;
  try {
    decoded = decodeRgb(file);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { width, height } = decoded;
  const rgb = width === size && height === size ? decoded.data : resizeShorterSideCenterCrop(decoded.data, height, width, 3, size);
  const data = new Uint8ClampedArray(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    data.set(rgb.subarray(3 * p, 3 * p + 3), 4 * p);
    data[4 * p + 3] = 255;
  }
  return { data, width: size, height: size };
}
