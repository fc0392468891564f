import type { CondensedModel } from '../../artifact/types.js';
import { KernelForward } from './forward.js';
import { KernelModule } from './kernel-module.js';
import type { ThreadHost } from './thread-host.js';
import { type Split, SplitChooser } from './split-chooser.js';
import { KernelPool } from './thread-pool.js';
import type { RunMessage } from './worker-protocol.js';

/** Pages the threads build declares as its most (scripts/compile-kernels.mjs: 2 GiB); the memory must match. */
export const THREADS_MAX_PAGES = 32768;

/**
 * KernelForward's programs on `threads` worker threads sharing one memory: the weights are
 * uploaded once, every thread has its own activation buffers. A batch of at least `threads`
 * images is split by images (each thread takes the next one not yet taken); a smaller batch
 * either the same way or one image at a time with every layer split by output rows between the
 * threads, whichever SplitChooser measures faster (or as `split` forces). Either way each
 * output value is computed by the same kernel call on the same inputs as on one thread, so the
 * logits are bit-identical to KernelForward's.
 */
export class ThreadedForward {
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private readonly chooser = new SplitChooser();

  private constructor(
    private readonly forward: KernelForward,
    private readonly pool: KernelPool,
    private readonly split: Split | 'auto',
  ) {}

  static async create(
    model: CondensedModel,
    host: ThreadHost,
    threads: number,
    split: Split | 'auto' = 'auto',
    relaxedSimd = true,
  ): Promise<ThreadedForward> {
    const module = await host.compileKernels({ relaxedSimd });
    const memory = new WebAssembly.Memory({ initial: 1, maximum: THREADS_MAX_PAGES, shared: true });
    const kernels = await KernelModule.onSharedMemory(module, memory);
    const forward = new KernelForward(kernels, model, threads);
    try {
      return new ThreadedForward(forward, await KernelPool.start(host, threads, module, memory), split);
    } catch (e) {
      forward.dispose();
      throw e;
    }
  }

  get threads(): number {
    return this.pool.count;
  }

  /** The module the weights and activations live in (for its liveBytes). */
  get kernels(): KernelModule {
    return this.forward.kernels;
  }

  /** As KernelForward.predict; runs are queued, one at a time (they share the buffers). */
  predict(images: Float32Array, batch: number): Promise<Float32Array> {
    const result = this.queue.then(() => this.runNow(images, batch));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Stops the workers and frees the weights and buffers; later calls do nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool.dispose();
    this.forward.dispose();
  }

  private async runNow(images: Float32Array, batch: number): Promise<Float32Array> {
    if (this.disposed) throw new Error('ThreadedForward: predict() after dispose()');
    const { forward, threads } = this;
    const io = forward.beginRun(images, batch);
    try {
      const small = batch < threads;
      const split = !small ? 'images' : this.split === 'auto' ? this.chooser.next() : this.split;
      const byImages = split === 'images';
      const messages: RunMessage[] = forward.buffers.map((buf, t) => ({
        type: 'run',
        mode: split,
        program: byImages ? forward.program(buf, io, 0, 1) : forward.program(forward.buffers[0], io, t, threads, buf.scratch),
        batch,
        parties: threads,
      }));
      const started = performance.now();
      await this.pool.run(messages);
      if (small) this.chooser.record(split, (performance.now() - started) / batch);
      return forward.logits(io, batch);
    } finally {
      forward.endRun(io);
    }
  }
}
