/**
 * What a model needs to know about the data it was trained on. Plain JSON so it can
 * be stored next to saved weights: inference must normalise with the same numbers.
 */
export interface Dataset {
  readonly name: string;
  readonly numClasses: number;
  readonly classNames: readonly string[];
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Per-channel mean of pixel/255, subtracted before dividing by `std`. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly trainSize: number;
  readonly testSize: number;
}

export type SplitName = 'train' | 'test';

/**
 * Random access to one split. Labels are all known up front (they are tiny); pixels
 * are fetched per example so a reader may keep them on disk and decode on demand.
 */
export interface Split {
  readonly size: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Class id of each example, in [0, numClasses). */
  readonly labels: Int32Array;
  /** Pixels of example `index`, HWC uint8, height*width*channels long. Do not mutate. */
  image(index: number): Uint8Array;
}

/** A dataset's description plus lazy access to its splits (loading may read or decode files). */
export interface DatasetSource {
  readonly dataset: Dataset;
  split(name: SplitName): Promise<Split>;
}
