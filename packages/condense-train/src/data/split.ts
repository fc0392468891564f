import type { Split } from './dataset.js';
import { Rng } from './rng.js';

/** A split whose pixels are one contiguous HWC uint8 buffer. */
export function memorySplit(
  images: Uint8Array,
  labels: Int32Array,
  height: number,
  width: number,
  channels: number,
): Split {
  const pixels = height * width * channels;
  if (images.length !== labels.length * pixels) {
    throw new Error(`memorySplit: ${images.length} pixel bytes do not hold ${labels.length} images of ${height}x${width}x${channels}`);
  }
  return {
    size: labels.length,
    height,
    width,
    channels,
    labels,
    image: (index) => {
      checkIndex(index, labels.length);
      return images.subarray(index * pixels, (index + 1) * pixels);
    },
  };
}

/** The examples of `split` at `indices`, in that order. */
export function subsetSplit(split: Split, indices: Int32Array): Split {
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) labels[i] = split.labels[indices[i]];
  return {
    size: indices.length,
    height: split.height,
    width: split.width,
    channels: split.channels,
    labels,
    image: (index) => {
      checkIndex(index, indices.length);
      return split.image(indices[index]);
    },
  };
}

/**
 * Zero-pads every image to `height` x `width`, centred. Zero is the background of the
 * grayscale digit/clothing sets, so padding 28x28 to 32x32 adds no visible border and
 * lets CIFAR-shaped models train on them unchanged.
 */
export function padSplit(split: Split, height: number, width: number): Split {
  if (height < split.height || width < split.width) {
    throw new Error(`cannot pad ${split.height}x${split.width} images to the smaller ${height}x${width}`);
  }
  if (height === split.height && width === split.width) return split;
  const top = (height - split.height) >> 1;
  const left = (width - split.width) >> 1;
  const c = split.channels;
  const rowBytes = split.width * c;
  return {
    size: split.size,
    height,
    width,
    channels: c,
    labels: split.labels,
    image: (index) => {
      const src = split.image(index);
      const out = new Uint8Array(height * width * c);
      for (let y = 0; y < split.height; y++) {
        out.set(src.subarray(y * rowBytes, (y + 1) * rowBytes), ((y + top) * width + left) * c);
      }
      return out;
    },
  };
}

/**
 * Seeded stratified split of example ids into test and train. Each class gives the test
 * side its share of `testSize` (largest remainder, so the total is exact and class
 * balance matches the whole set); which members go is drawn by a per-split shuffle.
 * Both outputs are in ascending id order.
 */
export function stratifiedSplit(
  labels: Int32Array,
  numClasses: number,
  testSize: number,
  seed: number,
): { train: Int32Array; test: Int32Array } {
  const n = labels.length;
  if (!Number.isInteger(testSize) || testSize < 0 || testSize > n) {
    throw new Error(`test size ${testSize} is not between 0 and the ${n} examples`);
  }
  const members: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (!(label >= 0 && label < numClasses)) throw new Error(`label ${label} of example ${i} is outside 0..${numClasses - 1}`);
    members[label].push(i);
  }

  const exact = members.map((m) => (m.length * testSize) / n);
  const quota = exact.map(Math.floor);
  let missing = testSize - quota.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((e, k) => ({ k, r: e - Math.floor(e) }))
    .sort((a, b) => b.r - a.r || a.k - b.k);
  for (const { k } of byRemainder) {
    if (missing === 0) break;
    quota[k]++;
    missing--;
  }

  const rng = Rng.fromSeed(seed);
  const isTest = new Uint8Array(n);
  members.forEach((m, k) => {
    const ids = rng.shuffle(Int32Array.from(m));
    for (let i = 0; i < quota[k]; i++) isTest[ids[i]] = 1;
  });
  const test = new Int32Array(testSize);
  const train = new Int32Array(n - testSize);
  let t = 0;
  let r = 0;
  for (let i = 0; i < n; i++) {
    if (isTest[i]) test[t++] = i;
    else train[r++] = i;
  }
  return { train, test };
}

function checkIndex(index: number, size: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`example index ${index} is outside the split of ${size}`);
  }
}
