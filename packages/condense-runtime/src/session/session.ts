import * as tf from '@tensorflow/tfjs-core';
import { allFinite } from '../api/finite.js';
import { InputError } from '../api/pixels.js';
import type { CondensedModel } from '../artifact/types.js';
import type { BackendConfig, BackendContext, SessionPath } from '../backends/backend.js';
import { chooseBackendConfig } from '../backends/registry.js';
import type { KernelModule } from '../backends/wasm/kernel-module.js';
import type { KernelBuild } from '../backends/wasm/relaxed-simd.js';
import type { ThreadHost } from '../backends/wasm/thread-host.js';

export interface SessionOptions {
  /** tfjs backend to run on; default the current one. Setting it switches tfjs's global backend. */
  backend?: string;
  /**
   * Kernels for the wasm path. Default: `loadKernels()`, which fetches the shipped kernels.wasm
   * (browsers); in Node pass `await loadKernelsFromFile()` from `@condensenet/runtime/node`.
   */
  kernels?: KernelModule;
  /**
   * Worker threads for the wasm path. Default: every core, where `threadHost` can start workers
   * on shared memory (a browser page needs cross-origin isolation), else 1; 1 as well when
   * `kernels` is given without `threads`. The session reports what it got.
   */
  threads?: number;
  /**
   * Where the wasm path's worker threads come from. Default: Web Workers (browsers); in Node
   * pass `nodeThreadHost()` from `@condensenet/runtime/node`.
   */
  threadHost?: ThreadHost;
  /**
   * The wasm path's relaxed-SIMD kernels (fused multiply-adds, 1.2-1.3x faster on this project's
   * machine, logits within ~1e-6 of the SIMD build's) where the engine compiles them. Default true;
   * false for the SIMD build, whose results are the same bits on every engine and CPU. Applies to the kernels
   * the session loads itself (its worker threads, or the default `kernels`); the session reports
   * what it runs as `kernelBuild`.
   */
  relaxedSimd?: boolean;
}

export interface Session {
  readonly backend: string;
  /**
   * When the model fits the kernels: `wasm-kernels` on the wasm backend, `js-kernels` (their
   * JavaScript port) on the cpu backend; `webgpu-kernels` (WGSL programs) on the webgpu
   * backend; `webgl-kernels` (GLSL programs) on the webgl backend; `tfjs` (stock ops) otherwise.
   */
  readonly path: SessionPath;
  /** Why the wasm, cpu, webgpu or webgl backend fell back to stock ops, when it did. */
  readonly fallbackReason?: string;
  readonly classes: readonly string[];
  /** Threads the session's own kernels run on: 1 on paths that leave threading to tfjs. */
  readonly threads: number;
  /** Why it got fewer threads than it asked for, when it did. */
  readonly threadsReason?: string;
  /** On the wasm-kernels and js-kernels paths: which build of the kernels runs (`relaxed-simd`, `simd`, `javascript`). */
  readonly kernelBuild?: KernelBuild;
  /**
   * images: `batch` NHWC images in [0, 1]; returns logits [batch, classes]. A length that is not
   * `batch` images, or a NaN or infinite value, is refused with an `InputError`.
   */
  run(images: Float32Array, batch: number): Promise<Float32Array>;
  /**
   * Releases what the session holds: its tensors, or everything it allocated in the kernel
   * module (which a shared module reuses for later sessions). Calling it again does nothing;
   * `run` afterwards throws.
   */
  dispose(): void;
}

/**
 * Runs a condensed model on the active tfjs backend with the first config of the backend
 * registry (src/backends/registry.ts) that serves that backend and takes the model: this
 * package's kernels or GPU programs where they fit, stock tfjs-core ops otherwise.
 */
export async function createSession(model: CondensedModel, options: SessionOptions = {}): Promise<Session> {
  if (options.backend && tf.getBackend() !== options.backend) {
    if (!(await tf.setBackend(options.backend))) throw new Error(`createSession: backend ${options.backend} did not initialise`);
  }
  await tf.ready();
  const ctx: BackendContext = {
    backend: tf.backend(),
    ...(options.kernels ? { kernels: options.kernels } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.threadHost ? { threadHost: options.threadHost } : {}),
    ...(options.relaxedSimd !== undefined ? { relaxedSimd: options.relaxedSimd } : {}),
  };
  const { config, fallbackReason } = chooseBackendConfig(model, tf.getBackend(), ctx);
  return openSession(config, model, ctx, fallbackReason);
}

/**
 * A session on one config, whatever the registry would choose: input checks before every run,
 * dispose made idempotent and run refused after it, the same on every path.
 */
export async function openSession(config: BackendConfig, model: CondensedModel, ctx: BackendContext, fallbackReason?: string): Promise<Session> {
  const forward = await config.createForward(model, ctx);
  const { inputSize: size, inputChannels: channels } = model.config;
  let disposed = false;
  return {
    backend: tf.getBackend(),
    path: forward.path ?? config.path,
    ...(fallbackReason ? { fallbackReason } : {}),
    classes: [...model.classes],
    threads: forward.threads ?? 1,
    ...(forward.threadsReason ? { threadsReason: forward.threadsReason } : {}),
    ...(forward.kernelBuild ? { kernelBuild: forward.kernelBuild } : {}),
    run: async (images, batch) => {
      if (disposed) throw new Error('Session: run() after dispose(); create a new session');
      if (images.length !== batch * size * size * channels) {
        throw new InputError(`Session.run: ${images.length} values, expected batch * ${size} * ${size} * ${channels} = ${batch * size * size * channels}`);
      }
      if (!allFinite(images)) throw new InputError('Session.run: the images hold NaN or infinite values');
      return forward.run(images, batch);
    },
    dispose: () => {
      if (disposed) return;
      disposed = true;
      forward.dispose();
    },
  };
}
