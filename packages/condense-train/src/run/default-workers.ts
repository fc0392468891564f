import { availableParallelism } from 'node:os';

/** Fewer images than this per shard and BatchNorm's batch statistics get noisy. */
const MIN_SHARD = 16;
const MAX_WORKERS = 8;

/**
 * Data-parallel threads for `workers: 'auto'`: one per core on the backends that run on a single
 * CPU thread (wasm and cpu in Node), no more than keep 16 images per shard; one elsewhere, since
 * tfjs-node already uses every core and GPU backends gain nothing from more threads.
 */
export function defaultWorkers(backend: string, batchSize: number, cores = availableParallelism()): number {
  if (backend !== 'wasm' && backend !== 'cpu') return 1;
  return Math.max(1, Math.min(cores, MAX_WORKERS, Math.floor(batchSize / MIN_SHARD)));
}
