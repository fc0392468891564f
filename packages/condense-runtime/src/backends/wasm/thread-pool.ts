import { abortRun, CONTROL_BYTES, resetControl } from './thread-control.js';
import type { KernelWorker, ThreadHost } from './thread-host.js';
import type { FromWorker, RunMessage } from './worker-protocol.js';

interface Slot {
  worker: KernelWorker;
  /** The reply the slot waits for, if any. */
  waiting?: { type: FromWorker['type']; resolve(): void; reject(e: Error): void };
  stopped?: string;
}

/**
 * `count` kernel workers on one shared memory. A run sends every worker its message and settles
 * when all have answered. A worker that stops makes the run fail with an error naming it, aborts
 * the others' run and marks the pool broken; the next run starts a fresh set of workers (the
 * memory, with the weights in it, is unaffected), so a session on the pool stays usable.
 */
export class KernelPool {
  private slots: Slot[] = [];
  private readonly ctl = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
  private broken?: string;
  private disposed = false;

  private constructor(
    private readonly host: ThreadHost,
    readonly count: number,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
  ) {}

  static async start(host: ThreadHost, count: number, module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<KernelPool> {
    const pool = new KernelPool(host, count, module, memory);
    await pool.spawn();
    return pool;
  }

  /** Why the last run failed, while the workers have not been restarted yet. */
  get brokenReason(): string | undefined {
    return this.broken;
  }

  /** Runs `messages[i]` on worker i; rejects with the first failure once every worker has settled. */
  async run(messages: RunMessage[]): Promise<void> {
    if (this.disposed) throw new Error('KernelPool: run() after dispose()');
    if (messages.length !== this.count) throw new Error(`KernelPool: ${messages.length} messages for ${this.count} workers`);
    if (this.broken) {
      this.stopAll();
      await this.spawn();
    }
    resetControl(this.ctl);
    for (const s of this.slots) s.worker.hold(true);
    try {
      const results = await Promise.allSettled(this.slots.map((s, i) => this.request(s, messages[i], 'done')));
      // A dead worker's partners are released but left idle: stop them now, restart next run.
      if (this.broken) this.stopAll();
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
      // The cause, not the workers it aborted.
      if (failures.length > 0) throw failures.find((e) => !(e instanceof AbortedByOther)) ?? failures[0];
    } finally {
      for (const s of this.slots) s.worker.hold(false);
    }
  }

  /** Terminates the workers; runs afterwards throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopAll();
  }

  private async spawn(): Promise<void> {
    this.broken = undefined;
    const slots = Array.from({ length: this.count }, (_, i) => {
      const slot: Slot = {} as Slot;
      const loaded = new Promise<void>((resolve, reject) => {
        slot.waiting = { type: 'loaded', resolve, reject };
      });
      slot.worker = this.host.spawn({
        message: (data) => this.onMessage(slot, data as FromWorker),
        exit: (reason) => this.onExit(slot, i, reason),
      });
      return { slot, loaded };
    });
    this.slots = slots.map((s) => s.slot);
    for (const s of this.slots) s.worker.hold(true);
    try {
      await Promise.all(slots.map((s) => s.loaded));
      await Promise.all(
        this.slots.map((s) => this.request(s, { type: 'init', module: this.module, memory: this.memory, control: this.ctl.buffer }, 'ready')),
      );
    } catch (e) {
      this.stopAll();
      throw e;
    } finally {
      for (const s of this.slots) s.worker.hold(false);
    }
  }

  private request(slot: Slot, message: unknown, reply: FromWorker['type']): Promise<void> {
    return new Promise((resolve, reject) => {
      if (slot.stopped) return reject(new Error(slot.stopped));
      slot.waiting = { type: reply, resolve, reject };
      slot.worker.postMessage(message);
    });
  }

  private onMessage(slot: Slot, data: FromWorker): void {
    const waiting = slot.waiting;
    if (!waiting) return;
    slot.waiting = undefined;
    if (data.type === 'failed') {
      // The others may be waiting at a barrier for this one.
      abortRun(this.ctl);
      waiting.reject(data.aborted ? new AbortedByOther(data.message) : new Error(`kernel worker failed: ${data.message}`));
    } else if (data.type === waiting.type) {
      waiting.resolve();
    } else {
      waiting.reject(new Error(`kernel worker: expected '${waiting.type}', got '${data.type}'`));
    }
  }

  private onExit(slot: Slot, index: number, reason: string): void {
    const message = `kernel worker ${index + 1} of ${this.count} stopped (${reason}); this run failed, the next one restarts the workers`;
    slot.stopped = message;
    this.broken = message;
    abortRun(this.ctl);
    const waiting = slot.waiting;
    slot.waiting = undefined;
    waiting?.reject(new Error(message));
  }

  private stopAll(): void {
    for (const s of this.slots) {
      s.stopped ??= 'terminated';
      s.worker.terminate();
      s.waiting?.reject(new Error('KernelPool: disposed during a run'));
      s.waiting = undefined;
    }
    this.slots = [];
  }
}

/** A worker's run ended because another worker failed first. */
class AbortedByOther extends Error {}
