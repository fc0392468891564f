/**
 * The words of the small SharedArrayBuffer a worker pool's threads coordinate through: the next
 * image to take (batch split), a reusable barrier (row split) and the abort flag that releases
 * threads waiting at it when a run has failed.
 */
export const Control = { next: 0, arrived: 1, generation: 2, abort: 3 } as const;
export const CONTROL_BYTES = 16;

/**
 * Spins before sleeping at a barrier: layers of a small model take tens of microseconds, less
 * than a futex wake-up, but a thread whose partner was descheduled must not burn its core.
 */
const SPINS = 2_000;

export class RunAborted extends Error {
  constructor() {
    super('the run was aborted (another kernel worker failed)');
    this.name = 'RunAborted';
  }
}

/** Waits until `parties` threads have called it (sense by generation, so it is reusable at once). */
export function barrier(ctl: Int32Array, parties: number): void {
  const generation = Atomics.load(ctl, Control.generation);
  if (Atomics.load(ctl, Control.abort)) throw new RunAborted();
  if (Atomics.add(ctl, Control.arrived, 1) === parties - 1) {
    Atomics.store(ctl, Control.arrived, 0);
    Atomics.add(ctl, Control.generation, 1);
    Atomics.notify(ctl, Control.generation);
    return;
  }
  for (let spin = 0; Atomics.load(ctl, Control.generation) === generation; spin++) {
    if (spin > SPINS) Atomics.wait(ctl, Control.generation, generation, 20);
  }
  if (Atomics.load(ctl, Control.abort)) throw new RunAborted();
}

/** Makes every thread at (or arriving at) a barrier throw RunAborted. */
export function abortRun(ctl: Int32Array): void {
  Atomics.store(ctl, Control.abort, 1);
  Atomics.add(ctl, Control.generation, 1);
  Atomics.notify(ctl, Control.generation);
}

/** Before a run: no image taken, nobody at the barrier, not aborted. */
export function resetControl(ctl: Int32Array): void {
  Atomics.store(ctl, Control.next, 0);
  Atomics.store(ctl, Control.arrived, 0);
  Atomics.store(ctl, Control.abort, 0);
}
