import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { referenceNormalization } from '@condensenet/core';
import type { DataKind } from '@condensenet/core';
import type { Dataset, DatasetSource, Split, SplitName } from './dataset.js';
import { memorySplit } from './split.js';


const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXEL_BYTES = 3 * PLANE;

/** What distinguishes the two official binary layouts. */
interface CifarFormat {
  readonly name: DataKind;
  readonly folder: string;
  readonly archive: string;
  readonly train: readonly string[];
  readonly test: readonly string[];
  readonly namesFile: string;
  readonly numClasses: number;
  /** Label bytes before the pixels; the last one is the class used for training. */
  readonly labelBytes: readonly { what: string; classes: number }[];
}

const CIFAR10: CifarFormat = {
  name: 'cifar10',
  folder: 'cifar-10-batches-bin',
  archive: 'cifar-10-binary.tar.gz',
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
  namesFile: 'batches.meta.txt',
  numClasses: 10,
  labelBytes: [{ what: 'label', classes: 10 }],
};

const CIFAR100: CifarFormat = {
  name: 'cifar100',
  folder: 'cifar-100-binary',
  archive: 'cifar-100-binary.tar.gz',
  train: ['train.bin'],
  test: ['test.bin'],
  namesFile: 'fine_label_names.txt',
  numClasses: 100,
  labelBytes: [
    { what: 'coarse label', classes: 20 },
    { what: 'fine label', classes: 100 },
  ],
};

/** CIFAR-10 from `cifar-10-batches-bin/` (the official binary version), given that folder or its parent. */
export function cifar10(dir: string): Promise<DatasetSource> {
  return openCifar(CIFAR10, dir);
}

/** CIFAR-100 from `cifar-100-binary/` with fine labels (100 classes), given that folder or its parent. */
export function cifar100(dir: string): Promise<DatasetSource> {
  return openCifar(CIFAR100, dir);
}

async function openCifar(format: CifarFormat, dir: string): Promise<DatasetSource> {
  const root = locate(format, dir);
  const recordBytes = format.labelBytes.length + PIXEL_BYTES;
  const classNames = await readClassNames(join(root, format.namesFile), format.numClasses);
  const count = async (files: readonly string[]) => {
    let total = 0;
    for (const file of files) total += await recordCount(join(root, file), recordBytes, format.labelBytes);
    return total;
  };
  const dataset: Dataset = {
    name: format.name,
    numClasses: format.numClasses,
    classNames,
    height: SIDE,
    width: SIDE,
    channels: 3,
    // The reference's main.py normalises each data set with its own statistics.
    ...referenceNormalization(format.name),
    trainSize: await count(format.train),
    testSize: await count(format.test),
  };
  return {
    dataset,
    split: (name: SplitName) => readSplit(format, root, name === 'train' ? format.train : format.test),
  };
}

function locate(format: CifarFormat, dir: string): string {
  const marker = format.train[0];
  for (const candidate of [dir, join(dir, format.folder)]) {
    if (existsSync(join(candidate, marker))) return candidate;
  }
  throw new Error(
    `${format.name}: found no ${marker} in ${dir} or ${join(dir, format.folder)}; ` +
      `expected the official binary version (${format.archive}) extracted there`,
  );
}

async function readClassNames(file: string, numClasses: number): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`${file}: missing; expected ${numClasses} class names, one per line`);
  }
  const names = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  if (names.length !== numClasses) {
    throw new Error(`${file}: expected ${numClasses} class names, one per line, found ${names.length}`);
  }
  return names;
}

async function recordCount(file: string, recordBytes: number, labels: CifarFormat['labelBytes']): Promise<number> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new Error(`${file}: missing; expected ${describeRecord(recordBytes, labels)}`);
  }
  if (size === 0 || size % recordBytes !== 0) {
    throw new Error(
      `${file}: truncated or not a CIFAR binary file: ${size} bytes is not a whole, non-zero number of ` +
        describeRecord(recordBytes, labels),
    );
  }
  return size / recordBytes;
}

function describeRecord(recordBytes: number, labels: CifarFormat['labelBytes']): string {
  const labelText = labels.map((l) => `1 ${l.what} byte`).join(' + ');
  return `${recordBytes}-byte records (${labelText} + ${PIXEL_BYTES} pixel bytes)`;
}

async function readSplit(format: CifarFormat, root: string, files: readonly string[]): Promise<Split> {
  const labelCount = format.labelBytes.length;
  const recordBytes = labelCount + PIXEL_BYTES;
  const buffers: Buffer[] = [];
  for (const file of files) {
    const path = join(root, file);
    await recordCount(path, recordBytes, format.labelBytes);
    buffers.push(await readFile(path));
  }
  const total = buffers.reduce((n, b) => n + b.length / recordBytes, 0);
  const images = new Uint8Array(total * PIXEL_BYTES);
  const labels = new Int32Array(total);
  let n = 0;
  buffers.forEach((buffer, f) => {
    const records = buffer.length / recordBytes;
    for (let r = 0; r < records; r++, n++) {
      const base = r * recordBytes;
      format.labelBytes.forEach(({ what, classes }, j) => {
        const value = buffer[base + j];
        if (value >= classes) {
          throw new Error(`${join(root, files[f])}: record ${r} has ${what} ${value}, outside 0..${classes - 1}`);
        }
      });
      labels[n] = buffer[base + labelCount - 1];
      // The files store each image as three 32x32 planes (R, G, B); the data layer is HWC.
      const src = base + labelCount;
      const dst = n * PIXEL_BYTES;
      for (let p = 0; p < PLANE; p++) {
        images[dst + 3 * p] = buffer[src + p];
        images[dst + 3 * p + 1] = buffer[src + PLANE + p];
        images[dst + 3 * p + 2] = buffer[src + 2 * PLANE + p];
      }
    }
  });
  return memorySplit(images, labels, SIDE, SIDE, 3);
}
