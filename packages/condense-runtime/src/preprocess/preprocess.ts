import { InputError, type InputGeometry, type RgbaImage } from '../api/pixels.js';
import { borderMean, objectBox, type Box } from './background.js';
import { planesOf } from './channels.js';
import { frame, type Fit } from './resize.js';

export interface PreprocessOptions {
  /** Side of the model's square input. */
  size: number;
  /** 1: grayscale (BT.601 luma); 3: RGB. */
  channels: 1 | 3;
  fit: Fit;
  /**
   * `cover` only, for images whose shorter side is larger than `size`: the frame's share of the
   * scaled shorter side; 1 fits the shorter side exactly.
   */
  cropFraction: number;
  /** Turn a light background dark, as Fashion-MNIST's light garments on black. */
  autoInvert: boolean;
  /** Crop to the object (what differs from the background) before framing it. */
  crop: boolean;
}

export interface Preprocessed {
  /** size x size x channels, HWC, in [0, 1]: what the model gets before its own normalisation. */
  pixels: Float32Array;
  /** Whether the image was inverted (its background was light). */
  inverted: boolean;
  /** The source region that was framed. */
  box: Box;
}

/** The reference's ImageNet evaluation (main.py): Scale(256), then CenterCrop(224). */
const IMAGENET_SIZE = 224;
const IMAGENET_CROP_FRACTION = 224 / 256;

/** Above this mean border brightness the background counts as light. */
const LIGHT_BACKGROUND = 0.5;

/**
 * How a model's kind of images are prepared unless told otherwise. A grayscale model is taken to
 * be Fashion-MNIST-like (a light object on black, filling the frame), so photos and drawings of
 * a dark object on light paper are inverted and cropped to the object; an RGB model gets photos
 * as torchvision evaluates them, the ImageNet crop for a 224-pixel input.
 */
export function preprocessingFor({ size, channels }: InputGeometry): PreprocessOptions {
  checkChannels(channels);
  const grayscale = channels === 1;
  return {
    size,
    channels,
    fit: grayscale ? 'contain' : 'cover',
    cropFraction: !grayscale && size === IMAGENET_SIZE ? IMAGENET_CROP_FRACTION : 1,
    autoInvert: grayscale,
    crop: grayscale,
  };
}

/**
 * An RGBA image of any size as the model's input: composited over white, converted to the
 * model's channels, inverted when its background is light and `autoInvert` is on, optionally
 * cropped to the object, then framed into size x size with area averaging. The model's mean/std
 * are left to its session.
 */
export function preprocessImage(image: RgbaImage, options: PreprocessOptions): Preprocessed {
  const { size, channels, fit, cropFraction } = options;
  if (!Number.isInteger(size) || size < 1) throw new InputError(`preprocess: size ${size} must be a positive integer`);
  checkChannels(channels);
  if (!(cropFraction > 0 && cropFraction <= 1)) throw new InputError(`preprocess: crop fraction ${cropFraction} must be in (0, 1]`);
  const { planes, luma } = planesOf(image, channels);
  const { width, height } = image;
  let background = planes.map((plane) => borderMean(plane, width, height));
  const inverted = options.autoInvert && borderMean(luma, width, height) > LIGHT_BACKGROUND;
  if (inverted) {
    for (const plane of new Set([luma, ...planes])) for (let p = 0; p < plane.length; p++) plane[p] = 1 - plane[p];
    background = background.map((b) => 1 - b);
  }
  // An image already of the model's size is taken as framed (a data set's own image, such as a
  // Fashion-MNIST test image): cropping it to the object would re-frame what the model was trained on.
  const framed = width === size && height === size;
  const box = options.crop && !framed ? objectBox(luma, width, height) : { x: 0, y: 0, width, height };
  // An image no larger than the frame is only fitted: cropping more of it would discard detail it lacks.
  const fraction = Math.min(box.width, box.height) > size ? cropFraction : 1;
  const pixels = frame(planes, width, box, background, { size, fit, cropFraction: fraction });
  return { pixels, inverted, box };
}

function checkChannels(channels: number): asserts channels is 1 | 3 {
  if (channels !== 1 && channels !== 3) throw new InputError(`preprocess: ${String(channels)} channels; images become 1 (grayscale) or 3 (RGB)`);
}
