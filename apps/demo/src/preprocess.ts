/**
 * The page's side of preprocessing: the runtime's pipeline (`@condensenet/runtime`, which
 * `condense predict` uses too) with the model's defaults, overridden by the page's two checkboxes.
 */
import { preprocessImage, preprocessingFor, type InputGeometry, type PreprocessOptions, type Preprocessed, type RgbaImage } from '@condensenet/runtime';

/** What the page lets one choose. */
export type InputChoices = Pick<PreprocessOptions, 'autoInvert' | 'crop'>;

/** Leaves an image of the model's size exactly as it is (scaled to [0, 1]). */
export const AS_STORED: InputChoices = { autoInvert: false, crop: false };

/** `image` as the model in use takes it, with the page's choices. */
export function preprocess(image: RgbaImage, geometry: InputGeometry, choices: InputChoices): Preprocessed {
  return preprocessImage(image, { ...preprocessingFor(geometry), ...choices });
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
