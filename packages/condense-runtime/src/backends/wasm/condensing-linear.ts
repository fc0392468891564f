import type { KernelModule } from './kernel-module.js';

/** The head's Linear over the kept pooled features, as the artifact stores it. */
export interface CondensingLinearParams {
  /** Pooled features read, `kept` entries. */
  index: Int32Array;
  /** [classes, kept]. */
  weight: Float32Array;
  bias: Float32Array;
  /** Pooled features per image. */
  features: number;
}

/**
 * The condensing Linear uploaded for `condensingLinear` (asm/kernels.ts): byte offsets for the
 * index, weight rows zero-padded to a whole number of vectors.
 */
export class CondensingLinear {
  private readonly at: { index: number; weight: number; bias: number; scratch: number };
  readonly classes: number;
  private readonly kept: number;
  /** Bytes of a weight row zero-padded to whole vectors: also the scratch a call gathers into. */
  private readonly rowBytes: number;

  constructor(
    private readonly kernels: KernelModule,
    private readonly params: CondensingLinearParams,
  ) {
    const { index, weight, bias, features } = params;
    const kept = index.length;
    const classes = bias.length;
    if (weight.length !== classes * kept) throw new Error(`CondensingLinear: weight has ${weight.length} values, expected ${classes} x ${kept}`);
    const bad = index.findIndex((i) => !Number.isInteger(i) || i < 0 || i >= features);
    if (bad >= 0) throw new Error(`CondensingLinear: index[${bad}] = ${index[bad]} is outside the ${features} pooled features`);
    const K = (kept + 3) & ~3;
    const padded = new Float32Array(classes * K);
    for (let o = 0; o < classes; o++) padded.set(weight.subarray(o * kept, (o + 1) * kept), o * K);
    this.at = {
      index: kernels.put(Int32Array.from(index, (i) => i * 4)),
      weight: kernels.put(padded),
      bias: kernels.put(bias),
      scratch: kernels.alloc(K * 4),
    };
    this.classes = classes;
    this.kept = kept;
    this.rowBytes = K * 4;
  }

  /** Bytes of the scratch a call gathers the kept features into. */
  get scratchBytes(): number {
    return this.rowBytes;
  }

  /**
   * Op.linear's arguments for part `part` of `parts` of the classes: whole blocks of four (the
   * kernel's unit), the last part also the remainder, so each class is computed exactly as in
   * one call over all of them. Undefined when the part gets no class.
   */
  args(x: number, xPerImage: number, y: number, yPerImage: number, part: number, parts: number, scratch: number): number[] | undefined {
    const { at, classes } = this;
    const blocks = classes >> 2;
    const from = 4 * Math.floor((part * blocks) / parts);
    const to = part === parts - 1 ? classes : 4 * Math.floor(((part + 1) * blocks) / parts);
    if (to <= from) return undefined;
    return [x, xPerImage, this.params.features, at.index, this.kept, at.weight + from * this.rowBytes, at.bias + from * 4, to - from, y + from * 4, yPerImage, scratch];
  }

  /** Logits [batch, classes] of `batch` pooled feature vectors at `x` in the kernel module. */
  run(x: number, batch: number): Float32Array {
    const { kernels, at, classes } = this;
    const y = kernels.alloc(batch * classes * 4);
    try {
      kernels.exports.condensingLinear(x, batch, this.params.features, at.index, this.kept, at.weight, at.bias, classes, y, at.scratch);
      return kernels.f32(y, batch * classes).slice();
    } finally {
      kernels.free(y);
    }
  }

  /** Frees the operands in the kernel module; the layer cannot run afterwards. */
  dispose(): void {
    for (const a of Object.values(this.at)) this.kernels.free(a);
  }
}
