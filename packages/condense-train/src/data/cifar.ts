import { existsSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { referenceNormalization } from '@condensenet/core';
import type { DataKind } from '@condensenet/core';
import type { Dataset, DatasetSource, Split, SplitName } from './dataset.js';
import { memorySplit } from './split.js';
import { readTar } from './tar.js';

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

/** Both official archives unpack to about 180 MB; more than this is not one of them. */
const MAX_UNPACKED_BYTES = 1 << 30;

/** The binary files, wherever they are: an extracted folder, or the downloaded archive read into memory. */
interface CifarFiles {
  /** How messages name a file. */
  name(file: string): string;
  /** undefined when missing. */
  size(file: string): Promise<number | undefined>;
  read(file: string): Promise<Uint8Array>;
}

/**
 * CIFAR-10 from `cifar-10-batches-bin/` (the official binary version), given that folder, its
 * parent, the downloaded `cifar-10-binary.tar.gz` or a folder holding it.
 */
export function cifar10(dir: string): Promise<DatasetSource> {
  return openCifar(CIFAR10, dir);
}

/** CIFAR-100 from `cifar-100-binary/` with fine labels (100 classes), found as CIFAR-10's files are. */
export function cifar100(dir: string): Promise<DatasetSource> {
  return openCifar(CIFAR100, dir);
}

async function openCifar(format: CifarFormat, dir: string): Promise<DatasetSource> {
  const root = await locate(format, dir);
  const recordBytes = format.labelBytes.length + PIXEL_BYTES;
  const classNames = await readClassNames(root, format.namesFile, format.numClasses);
  const count = async (files: readonly string[]) => {
    let total = 0;
    for (const file of files) total += await recordCount(root, file, recordBytes, format.labelBytes);
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

async function locate(format: CifarFormat, dir: string): Promise<CifarFiles> {
  if (existsSync(dir) && statSync(dir).isFile()) return openArchive(format, dir);
  const marker = format.train[0];
  for (const candidate of [dir, join(dir, format.folder)]) {
    if (existsSync(join(candidate, marker))) return folderFiles(candidate);
  }
  if (existsSync(join(dir, format.archive))) return openArchive(format, join(dir, format.archive));
  throw new Error(
    `${format.name}: found no ${marker} in ${dir} or ${join(dir, format.folder)}, nor ${format.archive}; ` +
      `expected the official binary version (${format.archive}) there, as downloaded or extracted`,
  );
}

function folderFiles(root: string): CifarFiles {
  return {
    name: (file) => join(root, file),
    size: async (file) => {
      try {
        return (await stat(join(root, file))).size;
      } catch {
        return undefined;
      }
    },
    read: (file) => readFile(join(root, file)),
  };
}

async function openArchive(format: CifarFormat, archive: string): Promise<CifarFiles> {
  let tar: Uint8Array;
  try {
    tar = await promisify(gunzip)(await readFile(archive), { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (error) {
    throw new Error(`${archive}: cannot gunzip (${(error as Error).message}); expected ${format.archive} as downloaded, truncated or corrupt otherwise`, {
      cause: error,
    });
  }
  const members = readTar(tar, archive);
  const member = (file: string) => `${format.folder}/${file}`;
  return {
    name: (file) => `${archive}:${member(file)}`,
    size: async (file) => members.get(member(file))?.length,
    read: async (file) => {
      const data = members.get(member(file));
      if (!data) throw new Error(`${archive}: holds no ${member(file)}`);
      return data;
    },
  };
}

async function readClassNames(root: CifarFiles, file: string, numClasses: number): Promise<string[]> {
  if ((await root.size(file)) === undefined) throw new Error(`${root.name(file)}: missing; expected ${numClasses} class names, one per line`);
  const text = new TextDecoder().decode(await root.read(file));
  const names = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  if (names.length !== numClasses) {
    throw new Error(`${root.name(file)}: expected ${numClasses} class names, one per line, found ${names.length}`);
  }
  return names;
}

async function recordCount(root: CifarFiles, file: string, recordBytes: number, labels: CifarFormat['labelBytes']): Promise<number> {
  const size = await root.size(file);
  if (size === undefined) throw new Error(`${root.name(file)}: missing; expected ${describeRecord(recordBytes, labels)}`);
  if (size === 0 || size % recordBytes !== 0) {
    throw new Error(
      `${root.name(file)}: truncated or not a CIFAR binary file: ${size} bytes is not a whole, non-zero number of ` +
        describeRecord(recordBytes, labels),
    );
  }
  return size / recordBytes;
}

function describeRecord(recordBytes: number, labels: CifarFormat['labelBytes']): string {
  const labelText = labels.map((l) => `1 ${l.what} byte`).join(' + ');
  return `${recordBytes}-byte records (${labelText} + ${PIXEL_BYTES} pixel bytes)`;
}

async function readSplit(format: CifarFormat, root: CifarFiles, files: readonly string[]): Promise<Split> {
  const labelCount = format.labelBytes.length;
  const recordBytes = labelCount + PIXEL_BYTES;
  const buffers: Uint8Array[] = [];
  for (const file of files) {
    await recordCount(root, file, recordBytes, format.labelBytes);
    buffers.push(await root.read(file));
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
          throw new Error(`${root.name(files[f])}: record ${r} has ${what} ${value}, outside 0..${classes - 1}`);
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
