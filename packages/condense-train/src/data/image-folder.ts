import { existsSync, readFileSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { preprocessImage, preprocessingFor, type RgbaImage } from '@condensenet/runtime';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { Dataset, DatasetSource, Split, SplitName } from './dataset.js';
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
 * .jpeg and .png files count; images are decoded when read and prepared by the runtime's
 * pipeline as `condense predict` prepares them: RGB (transparency over white), shorter side
 * scaled to `imageSize` and centre-cropped; test images of a 224-pixel input follow the
 * reference's evaluation (shorter side to 256, centre 224).
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
    split: async (name) => listingSplit(name === 'train' ? train : test, imageSize, name),
  };
}

interface Listing {
  readonly files: string[];
  readonly labels: Int32Array;
}

function listingSplit(listing: Listing, size: number, name: SplitName): Split {
  // Training images keep the whole shorter side: the reference's evaluation crop is for evaluation.
  const options = { ...preprocessingFor({ size, channels: 3 }), ...(name === 'train' ? { cropFraction: 1 } : {}) };
  return {
    size: listing.files.length,
    height: size,
    width: size,
    channels: 3,
    labels: listing.labels,
    image: (index) => {
      const file = listing.files[index];
      if (file === undefined) throw new RangeError(`example index ${index} is outside the split of ${listing.files.length}`);
      const { pixels } = preprocessImage(decodeImage(file), options);
      return Uint8Array.from(pixels, (v) => Math.round(v * 255));
    },
  };
}

/**
 * The most pixels an image may have: 64 megapixels decode to 256 MiB of RGBA, and a header is
 * all it takes to claim more, so larger images are refused before anything is allocated.
 */
export const MAX_IMAGE_PIXELS = 64_000_000;

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Deflate's best ratio: no zlib stream inflates to more than this many times its size. */
const DEFLATE_MAX_RATIO = 1032;

/**
 * Refuses, before anything is allocated, a PNG whose IHDR claims more than MAX_IMAGE_PIXELS, one
 * whose image data is too short to inflate to the size it claims (pngjs would allocate the
 * claimed image and spend seconds filling it from a few bytes), and an interlaced one whose data
 * inflates past its size: pngjs bounds the inflation of plain PNGs by the IHDR but not that of
 * interlaced ones, so a few kilobytes could inflate to gigabytes.
 */
function checkPngBounds(bytes: Buffer, file: string): void {
  if (bytes.length < 33 || bytes.toString('latin1', 12, 16) !== 'IHDR') return;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new Error(`${file}: cannot decode: ${width} x ${height} pixels is over the limit of ${MAX_IMAGE_PIXELS} pixels`);
  }
  const rowBytes = Math.ceil((width * bytes[24] * (PNG_CHANNELS[bytes[25]] ?? 4)) / 8);
  const idat: Buffer[] = [];
  for (let at = 8; at + 12 <= bytes.length; at += 12 + bytes.readUInt32BE(at)) {
    if (bytes.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + bytes.readUInt32BE(at)));
  }
  const data = Buffer.concat(idat);
  if (data.length * DEFLATE_MAX_RATIO < height * rowBytes) {
    throw new Error(`${file}: cannot decode: a truncated or corrupt PNG file`);
  }
  if (bytes[28] !== 1) return;
  // Adam7's seven passes add at most one filter byte per row of each pass.
  const limit = 2 * height * (rowBytes + 1) + 1024;
  try {
    inflateSync(data, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`${file}: cannot decode: its image data inflates past the ${limit} bytes a ${width} x ${height} PNG can hold`);
    }
  }
}

/** A PNG or JPEG as RGBA, decoded by content rather than extension, since mislabelled .jpg files are common. */
export function decodeImage(file: string): RgbaImage {
  const bytes = readFileSync(file);
  const isPng = bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (!isPng && !isJpeg) throw new Error(`${file}: cannot decode: neither a JPEG nor a PNG image`);
  if (isPng) checkPngBounds(bytes, file);
  try {
    if (isJpeg) {
      const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6 });
      return { data: image.data, width: image.width, height: image.height };
    }
    const png = PNG.sync.read(bytes);
    return { data: png.data, width: png.width, height: png.height };
  } catch (error) {
    if (/maxResolutionInMP|maxMemoryUsageInMB/.test((error as Error).message)) {
      throw new Error(`${file}: cannot decode: the JPEG is over the limit of ${MAX_IMAGE_PIXELS} pixels (${(error as Error).message})`, { cause: error });
    }
    // The decoders' own messages describe their stream state ("read requests waiting on finished stream"), not the file.
    throw new Error(`${file}: cannot decode: a truncated or corrupt ${isJpeg ? 'JPEG' : 'PNG'} file`, { cause: error });
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
