/**
 * One conformance case, run where the backend lives: in this process, or in the browser page
 * of the webgl suite (so it imports nothing Node-only and returns plain data).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CondensedModel } from '../artifact/types.js';
import type { BackendConfig, BackendContext } from '../backends/backend.js';
import type { KernelModule } from '../backends/wasm/kernel-module.js';
import { createSession, openSession, type Session } from '../session/session.js';

export interface ConformanceCase {
  model: CondensedModel;
  images: Float32Array;
  batch: number;
  /** Runs after the first, each of which must give the first's logits at its tensor count. */
  repeats: number;
}

export interface ConformanceResult {
  /** The config's reason to refuse the model; the case then ran what createSession chose instead. */
  unavailable?: string;
  path: string;
  fallbackReason?: string;
  logits: number[];
  repeatsEqual: boolean;
  /** numTensors before the session, after its first run, after each repeat, after the bad inputs, after dispose. */
  tensors: { before: number; held: number; repeats: number[]; afterBadInputs: number; afterDispose: number };
  /** Live allocations of the kernel module handed in, before the session and after its dispose. */
  kernelAllocations?: { before: number; afterDispose: number };
  /** What run() threw for a length one short, for a NaN, and after dispose (twice). */
  errors: { wrongLength: string; nan: string; afterDispose: string };
}

async function messageOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'no error';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
}

/** Opens a session on `config` on the tfjs backend `tfjsBackend` (or what createSession picks instead when the config refuses the model) and puts it through the case. */
export async function runConformanceCase(config: BackendConfig, tfjsBackend: string, c: ConformanceCase, kernels?: KernelModule): Promise<ConformanceResult> {
  if (tf.getBackend() !== tfjsBackend && !(await tf.setBackend(tfjsBackend))) throw new Error(`tf.setBackend('${tfjsBackend}') failed`);
  await tf.ready();
  const ctx: BackendContext = { backend: tf.backend(), ...(kernels ? { kernels } : {}) };
  const unavailable = config.unavailableReason(c.model, ctx);
  const allocationsBefore = kernels?.liveAllocations;
  const before = tf.memory().numTensors;
  const session: Session = unavailable
    ? await createSession(c.model, { backend: tfjsBackend, ...(kernels ? { kernels } : {}) })
    : await openSession(config, c.model, ctx);
  const first = await session.run(c.images, c.batch);
  const held = tf.memory().numTensors;
  const repeats: number[] = [];
  let repeatsEqual = true;
  for (let i = 0; i < c.repeats; i++) {
    const again = await session.run(c.images, c.batch);
    repeatsEqual &&= again.length === first.length && again.every((v, j) => v === first[j]);
    repeats.push(tf.memory().numTensors);
  }
  const nan = c.images.slice();
  nan[nan.length >> 1] = Number.NaN;
  const wrongLength = await messageOf(() => session.run(c.images.subarray(1), c.batch));
  const nanError = await messageOf(() => session.run(nan, c.batch));
  const afterBadInputs = tf.memory().numTensors;
  session.dispose();
  session.dispose();
  const afterDispose = tf.memory().numTensors;
  return {
    ...(unavailable ? { unavailable } : {}),
    path: session.path,
    ...(session.fallbackReason ? { fallbackReason: session.fallbackReason } : {}),
    logits: Array.from(first),
    repeatsEqual,
    tensors: { before, held, repeats, afterBadInputs, afterDispose },
    ...(kernels && allocationsBefore !== undefined ? { kernelAllocations: { before: allocationsBefore, afterDispose: kernels.liveAllocations } } : {}),
    errors: { wrongLength, nan: nanError, afterDispose: await messageOf(() => session.run(c.images, c.batch)) },
  };
}
