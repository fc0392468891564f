/** Messages between a KernelPool and its workers (kernel-worker.ts). */

/** Pool -> worker, once: the threads build of the kernels and the memory every instance shares. */
export interface InitMessage {
  type: 'init';
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
}

/**
 * Pool -> worker, per run. `images`: take images from the shared counter until `batch` are
 * taken, each through the whole `program`. `rows`: every worker runs its part of every image,
 * meeting the other `parties` at the program's barriers.
 */
export interface RunMessage {
  type: 'run';
  mode: 'images' | 'rows';
  program: Int32Array;
  batch: number;
  parties: number;
}

export type ToWorker = InitMessage | RunMessage;

/** Worker -> pool: `loaded` (listening), `ready` (after init), `done` / `failed` (after a run). */
export type FromWorker = { type: 'loaded' } | { type: 'ready' } | { type: 'done' } | { type: 'failed'; message: string; aborted: boolean };
