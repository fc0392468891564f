import { existsSync } from 'node:fs';
import { preprocessImage, type PreprocessOptions, type Preprocessed } from '@condensenet/runtime';
import { decodeImage } from '@condensenet/train';
import { UsageError } from './errors.js';

/** A PNG or JPEG through the runtime's preprocessing, as the demo prepares an upload. */
export function readImage(file: string, options: PreprocessOptions): Preprocessed {
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  try {
    return preprocessImage(decodeImage(file), options);
  } catch (e) {
    const message = (e as Error).message;
    throw new UsageError(message.startsWith(file) ? message : `${file}: ${message}`);
  }
}
