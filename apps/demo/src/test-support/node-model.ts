import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendChoice, Predictions, RgbaImage, RuntimeModel } from '@condensenet/runtime';
import { loadModel } from '@condensenet/runtime/node';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { preprocess, type InputChoices } from '../preprocess.js';
import { KEPT_MODEL_MANIFEST, SAMPLES_DIR } from './paths.js';

export interface Sample {
  file: string;
  label: number;
  className: string;
  testIndex: number;
}

export const samples = (): Sample[] => JSON.parse(readFileSync(join(SAMPLES_DIR, 'samples.json'), 'utf8')).samples;

/** A bundled sample's RGBA pixels, as the page gets them from the decoded PNG. */
export function samplePixels(sample: Sample): RgbaImage {
  const png = PNG.sync.read(readFileSync(join(SAMPLES_DIR, sample.file)));
  return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), width: png.width, height: png.height };
}

export const keptModel = (backend: BackendChoice): Promise<RuntimeModel> => loadModel(KEPT_MODEL_MANIFEST, { backend });

/** The page's checkboxes as they start: how it treats drawings and uploads. */
export const UPLOAD_DEFAULTS = { autoInvert: true, crop: true };

/** One image, preprocessed and run as the page does. */
export async function predictImage(model: RuntimeModel, image: RgbaImage, options: InputChoices): Promise<Predictions> {
  const { inputSize: size, inputChannels } = model;
  const { pixels } = preprocess(image, { size, channels: inputChannels }, options);
  const x = tf.tensor4d(pixels, [1, size, size, inputChannels]);
  try {
    return await model.predict(x);
  } finally {
    x.dispose();
  }
}

/** Probabilities of one image, preprocessed and run as the page does. */
export async function classifyImage(model: RuntimeModel, image: RgbaImage, options: InputChoices): Promise<Float32Array> {
  return (await predictImage(model, image, options)).probabilities;
}
