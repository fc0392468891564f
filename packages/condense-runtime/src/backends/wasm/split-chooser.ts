export type Split = 'rows' | 'images';

/** Weight of the newest time in the running average. */
const SMOOTHING = 0.3;

/**
 * Beyond this ratio of the two splits' times the slower is probed 4x less often: each probe of
 * a split 1.7x slower (one image per thread at batch 1 on two threads, here) costs the stream of
 * runs 0.7 / probeEvery of its time, 4.4% at every 16th run. A change of load still shows at
 * once, in the faster split's own times, which every other run measures.
 */
const CLEAR_MARGIN = 1.25;

/**
 * Chooses how a batch smaller than the thread count is split. Splitting every layer by rows
 * puts every thread on every image but meets at a barrier per layer, which pays only while each
 * thread has a core: on a shared machine a thread the scheduler parks stalls the others at every
 * barrier, and one image per thread (the others idle) is faster. Both give the same bits, so the
 * choice is by time alone: each is tried twice, then the faster runs, the other re-measured
 * every `probeEvery` runs as the load changes (every 4 x probeEvery while it is clearly slower). The first run of each is not counted: it pays
 * for first touches (the workers' buffers, code still tiering up) and can be several times a
 * warm run, enough to keep the running average off the faster split for a hundred runs.
 */
export class SplitChooser {
  private readonly msPerImage: Record<Split, number> = { rows: Number.NaN, images: Number.NaN };
  private readonly warmedUp: Record<Split, boolean> = { rows: false, images: false };
  private runs = 0;

  constructor(private readonly probeEvery = 16) {}

  next(): Split {
    const { rows, images } = this.msPerImage;
    if (Number.isNaN(rows)) return 'rows';
    if (Number.isNaN(images)) return 'images';
    const best: Split = rows <= images ? 'rows' : 'images';
    const every = Math.max(rows, images) > CLEAR_MARGIN * Math.min(rows, images) ? 4 * this.probeEvery : this.probeEvery;
    this.runs++;
    return this.runs % every === 0 ? (best === 'rows' ? 'images' : 'rows') : best;
  }

  record(split: Split, msPerImage: number): void {
    if (!this.warmedUp[split]) {
      this.warmedUp[split] = true;
      return;
    }
    const old = this.msPerImage[split];
    this.msPerImage[split] = Number.isNaN(old) ? msPerImage : old + SMOOTHING * (msPerImage - old);
  }
}
