import type { CondensedModel } from '../artifact/types.js';
import type { KernelModule } from './wasm/kernel-module.js';
import type { KernelBuild } from './wasm/relaxed-simd.js';
import type { ThreadHost } from './wasm/thread-host.js';

/** How a session runs its model; each backend config names its own. */
export type SessionPath = 'wasm-kernels' | 'js-kernels' | 'webgpu-kernels' | 'webgl-kernels' | 'tfjs';

/** What a backend config may look at when a session opens. */
export interface BackendContext {
  /** `tf.backend()`: the GPU configs reach the backend's program runner through it. */
  backend: unknown;
  /** `SessionOptions.kernels`, for the wasm config. */
  kernels?: KernelModule;
  /** `SessionOptions.threads` and `threadHost`, for the wasm config. */
  threads?: number;
  threadHost?: ThreadHost;
  /** `SessionOptions.relaxedSimd`, for the wasm config. */
  relaxedSimd?: boolean;
}

/** A model made runnable by one config: everything it holds is released by `dispose`. */
export interface Forward {
  /** `batch` NHWC images in [0, 1], already checked for length and finiteness; logits [batch, classes]. */
  run(images: Float32Array, batch: number): Promise<Float32Array>;
  dispose(): void;
  /** Only where it differs from the config's (the wasm config handed the JavaScript port). */
  path?: SessionPath;
  /** Threads its kernels run on (absent: paths that leave threading to tfjs), and why fewer than asked. */
  threads?: number;
  threadsReason?: string;
  /** Which build of the kernels it runs (paths on this package's kernels only). */
  kernelBuild?: KernelBuild;
}

/**
 * One way to run a condensed model, plugged into the registry: `createSession` takes the first
 * config that serves the active tfjs backend and has no reason to refuse the model.
 */
export interface BackendConfig {
  /** Unique in the registry. */
  name: string;
  /** The tfjs backend (`tf.getBackend()`) it serves; absent: every one. */
  runsOn?: string;
  /** What a session it opens reports as `path`. */
  path: SessionPath;
  /** Why it cannot run `model` here (becomes the session's `fallbackReason`); undefined when it can. */
  unavailableReason(model: CondensedModel, ctx: BackendContext): string | undefined;
  createForward(model: CondensedModel, ctx: BackendContext): Promise<Forward>;
}
