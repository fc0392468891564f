import { existsSync, readFileSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { Dataset, DatasetSource, Split } from './dataset.js';
import { resizeShorterSideCenterCrop } from './resize.js';
import { stratifiedSplit } from './split.js';

/** torchvision's ImageNet statistics, what the reference normalises ImageNet with. */
export const IMAGENET_MEAN: readonly number[] = Object.freeze([0.485, 0.456, 0.406]);
export const IMAGENET_STD: readonly number[] = Object.freeze([0.229, 0.224, 0.225]);

export interface ImageFolderOptions {
  /** Side of the square images handed out; default 224 (the reference ImageNet input). */
  readonly imageSize?: number;
  /** Default IMAGENET_MEAN / IMAGENET_STD; channelStats() of the train split gives your own. */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** Share of each class held out as test when there is no `val/` tree; default 0.1. */
  readonly testFraction?: number;
}

/** Seed of the held-out split of a folder without `val/`; fixed so the split is reproducible. */
export const FOLDER_SPLIT_SEED = 2018;

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/**
 * An ImageNet-style tree: one sub-folder per class, class ids in sorted (code-unit)
 * order of the folder names. With `train/` (and optionally `val/`) those are the
 * splits; otherwise every class folder sits directly in `dir`. Without `val/`, a seeded
 * stratified `testFraction` of the training images is held out as test. Only .jpg,
 * .jpeg and .png files count; images are decoded when read, scaled so the shorter side
 * is `imageSize`, centre-cropped square and given as RGB (alpha dropped).
 */
export async function imageFolder(dir: string, options: ImageFolderOptions = {}): Promise<DatasetSource> {
  const imageSize = options.imageSize ?? 224;
  const mean = options.mean ?? IMAGENET_MEAN;
  const std = options.std ?? IMAGENET_STD;
  const testFraction = options.testFraction ?? 0.1;
  if (!Number.isInteger(imageSize) || imageSize < 1) throw new Error(`image folder: imageSize must be a positive integer, got ${imageSize}`);
  if (mean.length !== 3 || std.length !== 3) throw new Error('image folder: mean and std need three values (R, G, B)');
  if (!(testFraction >= 0 && testFraction < 1)) throw new Error(`image folder: testFraction must be in [0, 1), got ${testFraction}`);
  if (!isDirectory(dir)) throw new Error(`image folder: ${dir} is not a directory`);

  const trainRoot = isDirectory(join(dir, 'train')) ? join(dir, 'train') : dir;
  const valRoot = trainRoot !== dir && isDirectory(join(dir, 'val')) ? join(dir, 'val') : undefined;
  const classNames = await subfolders(trainRoot);
  if (classNames.length === 0) throw new Error(`image folder: ${trainRoot} has no class sub-folders`);
  const trainFiles = await listImages(trainRoot, classNames, true);

  let train = trainFiles;
  let test: Listing;
  if (valRoot) {
    const valClasses = await subfolders(valRoot);
    const unknown = valClasses.filter((name) => !classNames.includes(name));
    if (unknown.length > 0) throw new Error(`image folder: ${valRoot} has classes missing from ${trainRoot}: ${unknown.join(', ')}`);
    test = await listImages(valRoot, classNames, false);
  } else {
    const testSize = Math.round(trainFiles.files.length * testFraction);
    const parts = stratifiedSplit(trainFiles.labels, classNames.length, testSize, FOLDER_SPLIT_SEED);
    const pick = (ids: Int32Array): Listing => ({ files: Array.from(ids, (i) => trainFiles.files[i]), labels: ids.map((i) => trainFiles.labels[i]) });
    train = pick(parts.train);
    test = pick(parts.test);
  }

  const dataset: Dataset = {
    name: basename(resolve(dir)),
    numClasses: classNames.length,
    classNames,
    height: imageSize,
    width: imageSize,
    channels: 3,
    mean,
    std,
    trainSize: train.files.length,
    testSize: test.files.length,
  };
  return {
    dataset,
    split: async (name) => listingSplit(name === 'train' ? train : test, imageSize),
  };
}

interface Listing {
  readonly files: string[];
  readonly labels: Int32Array;
}

function listingSplit(listing: Listing, size: number): Split {
  return {
    size: listing.files.length,
    height: size,
    width: size,
    channels: 3,
    labels: listing.labels,
    image: (index) => {
      const file = listing.files[index];
      if (file === undefined) throw new RangeError(`example index ${index} is outside the split of ${listing.files.length}`);
      const { data, width, height } = decodeRgb(file);
      return resizeShorterSideCenterCrop(data, height, width, 3, size);
    },
  };
}

/** Decodes by content rather than extension, since mislabelled .jpg files are common. */
export function decodeRgb(file: string): { data: Uint8Array; width: number; height: number } {
  const bytes = readFileSync(file);
  const isPng = bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) throw new Error(`${file}: cannot decode: neither a JPEG nor a PNG image`);
  try {
    if (isJpeg) {
      const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
      return { data: image.data, width: image.width, height: image.height };
    }
    const png = PNG.sync.read(bytes);
    const rgb = new Uint8Array(png.width * png.height * 3);
    for (let p = 0, q = 0; q < rgb.length; p += 4, q += 3) {
      rgb[q] = png.data[p];
      rgb[q + 1] = png.data[p + 1];
      rgb[q + 2] = png.data[p + 2];
    }
    return { data: rgb, width: png.width, height: png.height };
  } catch (error) {
    throw new Error(`${file}: cannot decode as ${isJpeg ? 'JPEG' : 'PNG'}: ${(error as Error).message}`, { cause: error });
  }
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function listImages(root: string, classNames: readonly string[], requireEach: boolean): Promise<Listing> {
  const files: string[] = [];
  const labels: number[] = [];
  for (const [label, name] of classNames.entries()) {
    const folder = join(root, name);
    if (!existsSync(folder)) continue;
    const images = (await readdir(folder, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.') && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (requireEach && images.length === 0) throw new Error(`image folder: class folder ${folder} has no .jpg, .jpeg or .png images`);
    for (const image of images) {
      files.push(join(folder, image));
      labels.push(label);
    }
  }
  return { files, labels: Int32Array.from(labels) };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
