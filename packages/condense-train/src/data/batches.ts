import { augmentImage, normalizationTable, normalizeInto, type Augmentation } from './augment.js';
import type { Split } from './dataset.js';
import { Rng, type RngState } from './rng.js';

export interface BatchOptions {
  readonly batchSize: number;
  /** Seeds both the per-epoch shuffles and the augmentation stream. */
  readonly seed: number;
  /** Per-channel normalisation, normally the dataset description's `mean` / `std`. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Default true; evaluation passes false to visit the split in order. */
  readonly shuffle?: boolean;
  /** Applied to every example when given (training only). */
  readonly augmentation?: Augmentation;
  /** Default false: the last, smaller batch of an epoch is kept. */
  readonly dropLast?: boolean;
}

export interface Batch {
  /** size x height x width x channels, normalised. */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly size: number;
  /** [size, height, width, channels], the tensor shape of `images`. */
  readonly shape: readonly [number, number, number, number];
  /** Positions of the examples in the split, for tracing a prediction back to its image. */
  readonly indices: Int32Array;
}

/** Everything needed to continue exactly where an iterator stopped; JSON-serialisable. */
export interface BatchIteratorState {
  readonly seed: number;
  readonly splitSize: number;
  readonly epoch: number;
  /** Examples of the current epoch's order already handed out. */
  readonly position: number;
  readonly rng: RngState;
}

/**
 * Streams a split as normalised batches, one epoch at a time. Each epoch's order is a
 * shuffle seeded by (seed, epoch) so it can be recomputed on restore instead of stored;
 * augmentation draws from one continuing RNG whose state is saved.
 */
export class BatchIterator {
  private readonly split: Split;
  private readonly options: BatchOptions;
  private readonly table: Float32Array;
  private readonly pixels: number;
  private readonly scratch: Uint8Array;
  private epochIndex = 0;
  private pos = 0;
  private order: Int32Array;
  private rng: Rng;

  constructor(split: Split, options: BatchOptions, state?: BatchIteratorState) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new Error(`batch size must be a positive integer, got ${options.batchSize}`);
    }
    if (options.mean.length !== split.channels) {
      throw new Error(`normalisation has ${options.mean.length} channels but the images have ${split.channels}`);
    }
    this.split = split;
    this.options = options;
    this.table = normalizationTable(options.mean, options.std);
    this.pixels = split.height * split.width * split.channels;
    this.scratch = new Uint8Array(this.pixels);
    this.rng = Rng.fromSeed(options.seed);
    this.order = this.epochOrder(0);
    if (state) this.restore(state);
  }

  get epoch(): number {
    return this.epochIndex;
  }

  get position(): number {
    return this.pos;
  }

  /** Batches in one epoch. */
  get batchesPerEpoch(): number {
    const n = this.split.size;
    const b = this.options.batchSize;
    return this.options.dropLast ? Math.floor(n / b) : Math.ceil(n / b);
  }

  state(): BatchIteratorState {
    return { seed: this.options.seed, splitSize: this.split.size, epoch: this.epochIndex, position: this.pos, rng: this.rng.state() };
  }

  restore(state: BatchIteratorState): void {
    if (state.seed !== this.options.seed || state.splitSize !== this.split.size) {
      throw new Error(
        `iterator state is for seed ${state.seed} over ${state.splitSize} examples, ` +
          `not seed ${this.options.seed} over ${this.split.size}`,
      );
    }
    if (!Number.isInteger(state.epoch) || state.epoch < 0 || !Number.isInteger(state.position) || state.position < 0 || state.position > this.split.size) {
      throw new Error(`iterator state has an invalid epoch ${state.epoch} or position ${state.position}`);
    }
    this.rng = Rng.fromState(state.rng);
    this.epochIndex = state.epoch;
    this.pos = state.position;
    this.order = this.epochOrder(state.epoch);
  }

  /**
   * The next batch of the current epoch, or undefined once it is exhausted; that call
   * also moves the iterator to the start of the next epoch.
   */
  next(): Batch | undefined {
    const n = this.split.size;
    const remaining = n - this.pos;
    const size = Math.min(this.options.batchSize, remaining);
    if (size === 0 || (this.options.dropLast && size < this.options.batchSize)) {
      this.epochIndex++;
      this.pos = 0;
      this.order = this.epochOrder(this.epochIndex);
      return undefined;
    }
    const { height, width, channels } = this.split;
    const images = new Float32Array(size * this.pixels);
    const labels = new Int32Array(size);
    const indices = this.order.slice(this.pos, this.pos + size);
    const augmentation = this.options.augmentation;
    for (let i = 0; i < size; i++) {
      const index = indices[i];
      let pixels = this.split.image(index);
      if (augmentation) {
        augmentImage(pixels, height, width, channels, augmentation, this.rng, this.scratch);
        pixels = this.scratch;
      }
      normalizeInto(pixels, channels, this.table, images, i * this.pixels);
      labels[i] = this.split.labels[index];
    }
    this.pos += size;
    return { images, labels, size, shape: [size, height, width, channels], indices };
  }

  /** The remaining batches of the current epoch; afterwards the iterator is at the next epoch. */
  *batches(): Generator<Batch, void, undefined> {
    for (let batch = this.next(); batch; batch = this.next()) yield batch;
  }

  private epochOrder(epoch: number): Int32Array {
    const order = new Int32Array(this.split.size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (this.options.shuffle === false) return order;
    const epochSeed = Math.imul(epoch + 1, 0x9e3779b9) ^ (this.options.seed >>> 0) ^ Math.floor(this.options.seed / 0x1_0000_0000);
    return Rng.fromSeed(epochSeed >>> 0).shuffle(order);
  }
}
