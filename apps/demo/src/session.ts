/**
 * The model the page runs and its runtime session: opening it on a backend (falling back to one
 * that works), switching backend or model, and classifying the current input. The kept model and
 * a dropped one take the same path.
 */
import {
  browserThreadHost,
  loadKernels,
  loadModel,
  selectBackend,
  type BackendChoice,
  type CondensedModel,
  type KernelModule,
  type RuntimeModel,
} from '@condensenet/runtime';
import * as tf from '@tensorflow/tfjs-core';
import type { InputPanel } from './input.js';
import { preprocess } from './preprocess.js';
import { messageOf, setState, showError, showOpening, showPrediction, showRuntime } from './views.js';

export const BACKENDS: readonly BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

export class Session {
  private model: CondensedModel | undefined;
  private runtime: RuntimeModel | undefined;
  private kernels: KernelModule | undefined;
  private running = false;
  private rerun = false;
  /** The last switch of model or backend: the next waits for it, as opening one session while another opens would dispose it mid-way. */
  private switching: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly inputs: InputPanel,
    /** Where the build put kernels.wasm, and beside it the relaxed-SIMD and threads builds and kernel-worker.js. */
    private readonly kernelsUrl: URL,
  ) {}

  /**
   * Runs `model` from now on, on `choice` or the next backend that works. If none runs it, the
   * previous model is opened again and this throws, so that a bad model never leaves the page
   * without one.
   */
  use(model: CondensedModel, choice: BackendChoice): Promise<void> {
    return this.serially(async () => {
      const previous = this.model;
      try {
        await this.open(model, choice);
      } catch (e) {
        // It ran before; should it fail now, the page is in its error state and says so below.
        if (previous) await this.open(previous, choice).catch(() => undefined);
        throw e;
      }
    });
  }

  /** Reopens the model on `choice` and classifies the current input again. */
  async switchBackend(choice: BackendChoice): Promise<void> {
    const model = this.model;
    if (!model) return;
    try {
      await this.serially(() => this.open(model, choice));
    } catch (e) {
      showError(messageOf(e));
      return;
    }
    await this.classify();
  }

  private serially(task: () => Promise<void>): Promise<void> {
    const done = this.switching.then(task);
    this.switching = done.catch(() => undefined);
    return done;
  }

  /**
   * Replaces the session by one of `model` on `choice`. If that fails it tries every other
   * backend, says why it fell back, and throws only when none works.
   */
  private async open(model: CondensedModel, choice: BackendChoice): Promise<void> {
    setState('loading');
    this.runtime?.dispose();
    this.runtime = undefined;
    showOpening(choice);
    try {
      await this.openOn(model, choice);
      showError(undefined);
    } catch (e) {
      const reason = `The ${choice} backend could not be used: ${messageOf(e)}`;
      // Each other backend by name, not `auto`: after a failed tf.setBackend, tfjs still names the
      // failed backend as current, and selectBackend would take it for an initialised one.
      const others = choice === 'auto' ? [] : BACKENDS.filter((b) => b !== 'auto' && b !== choice);
      let fallback: BackendChoice | undefined;
      for (const other of others) {
        try {
          await this.openOn(model, other);
          fallback = other;
          break;
        } catch {
          // The next one, then.
        }
      }
      if (!fallback) {
        setState('error');
        throw new Error(reason);
      }
      showError(`${reason}\nUsing ${fallback} instead.`);
    }
    this.model = model;
    setState('ready');
  }

  private async openOn(model: CondensedModel, choice: BackendChoice): Promise<void> {
    const started = performance.now();
    const backend = await selectBackend(choice);
    const beside = (file: string) => new URL(`./${file}`, this.kernelsUrl);
    // The relaxed-SIMD builds (fused multiply-adds) where the browser has relaxed SIMD.
    if (backend === 'wasm') this.kernels ??= await loadKernels(this.kernelsUrl, { relaxedUrl: beside('kernels-relaxed.wasm') });
    // Threads need a cross-origin isolated page (the demo's server sends COOP and COEP); without
    // one the session runs on one thread and says why.
    const threadHost = browserThreadHost({
      worker: beside('kernel-worker.js'),
      wasm: beside('kernels-threads.wasm'),
      relaxedWasm: beside('kernels-threads-relaxed.wasm'),
    });
    const opened = await loadModel(model, {
      backend,
      ...(this.kernels ? { kernels: this.kernels } : {}),
      threads: navigator.hardwareConcurrency || 1,
      threadHost,
    });
    try {
      await opened.warmUp();
    } catch (e) {
      opened.dispose();
      throw e;
    }
    this.runtime = opened;
    showRuntime(opened, choice, performance.now() - started);
  }

  /** Classifies the current input; calls made while one runs coalesce into one more run. */
  async classify(): Promise<void> {
    const runtime = this.runtime;
    const current = this.inputs.current;
    if (!runtime || !current) return;
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    const { inputSize: size } = runtime;
    const channels = runtime.inputChannels as 1 | 3;
    try {
      const { image, options } = this.inputs.read(current);
      const t0 = performance.now();
      const seen = preprocess(image, { size, channels }, options);
      const t1 = performance.now();
      const x = tf.tensor4d(seen.pixels, [1, size, size, channels]);
      const predictions = await runtime.predict(x).finally(() => x.dispose());
      const t2 = performance.now();
      // Cleared or replaced meanwhile (the input or the model): this result is stale, and a
      // replacement has its own run queued.
      if (this.inputs.current !== current || this.runtime !== runtime) return;
      const truth =
        current.label === undefined
          ? undefined
          : { className: runtime.classes[current.label], right: predictions.topK(1)[0][0].index === current.label };
      showPrediction({
        source: current.source,
        seen,
        size,
        channels,
        predictions,
        backend: runtime.backend,
        inferenceMs: t2 - t1,
        preprocessingMs: t1 - t0,
        ...(truth ? { truth } : {}),
      });
    } catch (e) {
      // A session replaced (disposed) mid-run fails for that reason alone; its replacement reruns.
      if (this.runtime === runtime) showError(`Classification failed: ${messageOf(e)}`);
    } finally {
      this.running = false;
      if (this.rerun) {
        this.rerun = false;
        void this.classify();
      }
    }
  }
}
