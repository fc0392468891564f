/** What a KernelPool needs from its environment: Node's worker_threads or a browser's Web Workers. */
export interface ThreadHost {
  /** The default thread count: every core (os.availableParallelism / navigator.hardwareConcurrency). */
  readonly cores: number;
  /** Why threads cannot run here (no workers, no SharedArrayBuffer); undefined when they can. */
  unavailableReason(): string | undefined;
  /**
   * The threads build of the kernels, compiled: kernels-threads-relaxed.wasm where `relaxedSimd`
   * and the engine compiles relaxed SIMD, else kernels-threads.wasm.
   */
  compileKernels(options: { relaxedSimd: boolean }): Promise<WebAssembly.Module>;
  /** Starts a worker running kernel-worker.js. */
  spawn(events: WorkerEvents): KernelWorker;
}

export interface WorkerEvents {
  message(data: unknown): void;
  /** Once, when the worker stopped or failed to load, saying why; never after `terminate()`. */
  exit(reason: string): void;
}

export interface KernelWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  /** Whether the worker keeps the host alive (Node: ref / unref); only held during a run. */
  hold(on: boolean): void;
}
