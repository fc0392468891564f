import { buildPlan } from '@condensenet/core';
import type { CondensedModel } from '../../artifact/types.js';
import type { BackendConfig, BackendContext, Forward } from '../backend.js';
import { browserThreadHost } from './browser-threads.js';
import { kernelPathObstacle, KernelForward } from './forward.js';
import type { KernelModule } from './kernel-module.js';
import { loadKernels } from './load.js';
import { ThreadedForward } from './threaded-forward.js';

/** The model on `kernels` (the SIMD build or its JavaScript port), without any tfjs op, one thread. */
export function kernelForward(kernels: KernelModule, model: CondensedModel, threadsReason?: string): Forward {
  const forward = new KernelForward(kernels, model);
  return {
    run: async (images, batch) => forward.predict(images, batch),
    dispose: () => forward.dispose(),
    threads: 1,
    kernelBuild: kernels.build,
    ...(threadsReason ? { threadsReason } : {}),
    ...(kernels.kind === 'js' ? { path: 'js-kernels' as const } : {}),
  };
}

/**
 * How many threads a wasm session asks for, and why fewer where it gets fewer: `threads` as set,
 * else every core, but one when the caller handed its own (single-threaded) kernel module.
 */
export function requestedThreads(ctx: BackendContext): { threads: number; reason?: string } {
  const host = ctx.threadHost ?? browserThreadHost();
  if (ctx.threads !== undefined && (!Number.isInteger(ctx.threads) || ctx.threads < 1)) {
    throw new Error(`threads = ${ctx.threads}: expected a positive integer`);
  }
  const threads = ctx.threads ?? (ctx.kernels ? 1 : host.cores);
  if (threads === 1) return { threads };
  const unavailable = host.unavailableReason();
  return unavailable ? { threads: 1, reason: `${threads} threads asked, 1 used: ${unavailable}` } : { threads };
}

/**
 * Models whose shapes fit the SIMD kernels, on them: on worker threads sharing one memory where
 * the host allows (see requestedThreads), else on `SessionOptions.kernels` or the shipped
 * kernels fetched; the relaxed-SIMD builds unless `relaxedSimd` is false or the engine lacks it.
 * Workers that fail to start leave the session on one thread, saying why.
 */
export const wasmConfig: BackendConfig = {
  name: 'wasm',
  runsOn: 'wasm',
  path: 'wasm-kernels',
  unavailableReason: (model) => kernelPathObstacle(buildPlan(model.config)),
  createForward: async (model, ctx) => {
    const { threads, reason: refused } = requestedThreads(ctx);
    const relaxedSimd = ctx.relaxedSimd !== false;
    let reason = refused;
    if (threads > 1) {
      try {
        const forward = await ThreadedForward.create(model, ctx.threadHost ?? browserThreadHost(), threads, 'auto', relaxedSimd);
        return {
          run: (images, batch) => forward.predict(images, batch),
          dispose: () => forward.dispose(),
          threads,
          kernelBuild: forward.kernels.build,
        };
      } catch (e) {
        reason = `${threads} threads asked, 1 used: the kernel workers did not start (${(e as Error).message})`;
      }
    }
    return kernelForward(ctx.kernels ?? (await loadKernels(undefined, { relaxedSimd })), model, reason);
  },
};
