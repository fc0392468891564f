import type { ArchitecturePlan } from '@condensenet/core';
import type { CondensedModel } from '../../artifact/types.js';
import { foldBatchNorm } from '../fold-batch-norm.js';
import { conv1x1Params, layerWeights, type ModelWeights } from '../layer-weights.js';
import { avgPool2x2Args } from './avg-pool.js';
import { CondensedConv1x1, packCondensedConv1x1 } from './condensed-conv1x1.js';
import { CondensedConv1x1Planes, conv1x1PlanesFits, packCondensedConv1x1Planes, type PlanesLayout } from './condensed-conv1x1-planes.js';
import { CondensingLinear } from './condensing-linear.js';
import { GroupedConv3x3 } from './grouped-conv3x3.js';
import { conv3x3PlanesFits, GroupedConv3x3Planes } from './grouped-conv3x3-planes.js';
import type { KernelModule } from './kernel-module.js';
import { Op, ProgramBuilder, runProgram } from './program.js';
import { STEM_CHANNELS } from './stage-image.js';

/** Why a plan cannot run on the kernels (undefined when it can). */
export function kernelPathObstacle(plan: ArchitecturePlan): string | undefined {
  const { group1x1, group3x3, bottleneck, stemStride } = plan.config;
  if (group1x1 % 4 !== 0) return `group1x1 = ${group1x1} is not a multiple of 4`;
  if (stemStride !== 1 && stemStride !== 2) return `stem stride ${stemStride} (the 3x3 kernel has stride 1 or 2)`;
  if (plan.stem.inChannels > STEM_CHANNELS) return `${plan.stem.inChannels} input channels (the stem pads to ${STEM_CHANNELS})`;
  if (plan.head.spatial !== plan.head.poolSize) return `final pool ${plan.head.poolSize} does not cover the ${plan.head.spatial}x${plan.head.spatial} map`;
  for (const block of plan.blocks) {
    const g = block.growth;
    if (g % 4 !== 0 || g % group3x3 !== 0 || ((bottleneck * g) / group3x3) % 4 !== 0) {
      return `growth ${g} with group3x3 = ${group3x3} does not fill whole SIMD vectors`;
    }
  }
  return undefined;
}

/** A dense layer whose bottleneck is NHWC rows, or planes (see bottleneckPlanes). */
type Layer =
  | { conv1: CondensedConv1x1; conv3: GroupedConv3x3; planes?: undefined; inChannels: number }
  | { conv1: CondensedConv1x1Planes; conv3: GroupedConv3x3Planes; planes: PlanesLayout; inChannels: number };

/**
 * The largest bottleneck kept as planes. The planes kernels read and write one stream per
 * channel line, which the caches serve well but memory does not: with the bottleneck in cache
 * they measured 1.08-1.11x on CondenseNet-86 (CIFAR, bottlenecks 92-157 KiB) and 1.16x on
 * CondenseNet-74's second block (870 KiB); its first block's 1.7 MiB measured 0.9x.
 */
const PLANES_MAX_BYTES = 1 << 20;

/**
 * How a block's bottleneck is laid out: as planes (one zero-bordered line per channel per image
 * row, pitch a multiple of 4 floats so each line starts aligned) where its 3x3 runs faster from
 * them, else undefined (NHWC rows, zero-bordered). Every layer of a block has the same shapes.
 */
export function bottleneckPlanes(block: ArchitecturePlan['blocks'][number]): PlanesLayout | undefined {
  const layer = block.layers[0];
  const { outChannels, groups } = layer.conv3x3;
  const kOut = layer.bottleneckChannels / layer.learnedGroup.groups;
  if (!conv3x3PlanesFits(outChannels / groups, groups, block.spatial) || !conv1x1PlanesFits(kOut)) return undefined;
  const pitch = (block.spatial + 2 + 3) & ~3;
  const rowPitch = layer.bottleneckChannels * pitch;
  if ((block.spatial + 2) * rowPitch * 4 > PLANES_MAX_BYTES) return undefined;
  return { pitch, rowPitch };
}

/** One thread's activation buffers, allocated once behind the weights. */
export interface Buffers {
  /** Per block: its feature map [pixels, outChannels]. */
  features: number[];
  /**
   * Per block: two zero-bordered bottlenecks, used in turn by successive layers when threads
   * share one image, so that a thread's next 1x1 never overwrites rows another thread's 3x3 is
   * still reading (one barrier per layer instead of two).
   */
  bottleneck: [number, number][];
  /** The 1x1 kernel's and the Linear's scratch, big enough for every layer. */
  scratch: number;
}

/** Where one run's images and pooled features live in the kernel module. */
export interface RunIo {
  /** The `batch` images as given (NHWC), which each program's stage op normalises into `input`. */
  raw: number;
  /** `batch` zero-bordered normalised images, `inputBytes` apart. */
  input: number;
  /** `batch` pooled feature vectors, `pooledBytes` apart. */
  pooled: number;
  /** `batch` rows of logits, `classes` floats each. */
  logits: number;
}

/** Programs kept for reuse: a run's buffers are usually at the addresses the previous run's were. */
const CACHED_PROGRAMS = 32;

/** Rows [from, to) of `rows` that part `part` of `parts` takes: contiguous, sizes differing by at most one. */
export function rowRange(rows: number, part: number, parts: number): [number, number] {
  return [Math.floor((part * rows) / parts), Math.floor(((part + 1) * rows) / parts)];
}

/**
 * The condensed model on the SIMD kernels, all activations inside the kernel module's memory:
 * each block's growing feature map is one [pixels, channels] buffer that every layer appends
 * its new channels to, the bottleneck lives in a zero-bordered buffer the 3x3 reads without
 * bounds tests (NHWC rows, or planes: bottleneckPlanes), and the 3x3's BatchNorm + ReLU is
 * folded into the 1x1 kernel's output.
 * A batch runs one image at a time through the whole network: one image's largest feature map
 * (CondenseNet-86: 32x32x128 floats, 512 KiB) stays in cache across its block's layers, where
 * a whole batch's would stream from memory once per layer.
 *
 * The pass is written as a program of kernel calls (program.ts) for one image on one set of
 * buffers, optionally one part of every layer's output rows: `predict` runs it here, one thread;
 * ThreadedForward hands the same programs to worker threads.
 */
export class KernelForward {
  private readonly w: ModelWeights;
  private readonly stem: GroupedConv3x3;
  private readonly layers: Layer[][];
  private readonly head: { scale: number; shift: number };
  private readonly classifier: CondensingLinear;
  /** The normalisation's mean and std per stem channel, float64, for the stage op. */
  private readonly norm: number;
  /** One per thread that may run at once. */
  readonly buffers: Buffers[];
  private readonly programs = new Map<string, Int32Array>();
  private disposed = false;

  constructor(
    readonly kernels: KernelModule,
    model: CondensedModel,
    bufferSets = 1,
  ) {
    const w = layerWeights(model);
    const obstacle = kernelPathObstacle(w.plan);
    if (obstacle) throw new Error(`KernelForward: ${obstacle}; use the tfjs path`);
    this.w = w;
    const { stem } = w.plan;
    const stemWeight = new Float32Array(stem.outChannels * STEM_CHANNELS * 9);
    for (let o = 0; o < stem.outChannels; o++) {
      stemWeight.set(w.stem.subarray(o * stem.inChannels * 9, (o + 1) * stem.inChannels * 9), o * STEM_CHANNELS * 9);
    }
    this.stem = new GroupedConv3x3(kernels, {
      weight: stemWeight,
      inChannels: STEM_CHANNELS,
      outChannels: stem.outChannels,
      groups: 1,
      stride: stem.stride,
    });
    const blockPlanes = w.plan.blocks.map(bottleneckPlanes);
    this.layers = w.blocks.map((block, i) => {
      const planes = blockPlanes[i];
      return block.map((l): Layer => {
        const params = conv1x1Params(l, model.batchNormEpsilon);
        const conv3 = { weight: l.weight2, inChannels: l.plan.conv3x3.inChannels, outChannels: l.plan.conv3x3.outChannels, groups: l.plan.conv3x3.groups };
        const inChannels = l.plan.inChannels;
        if (planes) {
          return { conv1: new CondensedConv1x1Planes(kernels, packCondensedConv1x1Planes(params)), conv3: new GroupedConv3x3Planes(kernels, conv3), planes, inChannels };
        }
        return { conv1: new CondensedConv1x1(kernels, packCondensedConv1x1(params)), conv3: new GroupedConv3x3(kernels, conv3), inChannels };
      });
    });
    const head = foldBatchNorm(w.normLast, model.batchNormEpsilon);
    this.head = { scale: kernels.put(head.scale), shift: kernels.put(head.shift) };
    this.classifier = new CondensingLinear(kernels, {
      index: w.classifierIndex,
      weight: w.classifierWeight,
      bias: w.classifierBias,
      features: w.plan.head.features,
    });
    const { mean, std } = model.normalization;
    const channels = Array.from({ length: STEM_CHANNELS }, (_, c) => c);
    this.norm = kernels.put(Float64Array.from([...channels.map((c) => mean[c] ?? 0), ...channels.map((c) => std[c] ?? 1)]));
    const scratchBytes = Math.max(this.classifier.scratchBytes, ...this.layers.flat().map((l) => l.conv1.scratchBytes));
    this.buffers = Array.from({ length: bufferSets }, () => ({
      features: w.plan.blocks.map((b) => kernels.alloc(b.spatial * b.spatial * b.outChannels * 4)),
      bottleneck: w.plan.blocks.map((b, i) => {
        const rowFloats = blockPlanes[i]?.rowPitch ?? (b.spatial + 2) * b.layers[0].bottleneckChannels;
        const floats = (b.spatial + 2) * rowFloats;
        return [this.zeroed(floats), this.zeroed(floats)];
      }),
      scratch: kernels.alloc(scratchBytes),
    }));
  }

  /** Bytes of one zero-bordered input image in RunIo.input. */
  get inputBytes(): number {
    const s = this.w.plan.stem.inputSize + 2;
    return s * s * STEM_CHANNELS * 4;
  }

  /** Bytes of one image's pooled features in RunIo.pooled. */
  get pooledBytes(): number {
    return this.w.plan.head.features * 4;
  }

  /** images: NHWC in [0, 1], `batch` images; returns logits [batch, classes]. */
  predict(images: Float32Array, batch: number): Float32Array {
    const io = this.beginRun(images, batch);
    try {
      const program = this.program(this.buffers[0], io, 0, 1);
      for (let n = 0; n < batch; n++) runProgram(this.kernels.exports, program, n);
      return this.logits(io, batch);
    } finally {
      this.endRun(io);
    }
  }

  /**
   * Checks the images and copies them as they are into a fresh RunIo (free it with endRun): the
   * programs' stage op normalises them, on the threads that run them.
   */
  beginRun(images: Float32Array, batch: number): RunIo {
    if (this.disposed) throw new Error('KernelForward: predict() after dispose()');
    const { inputSize: size, inChannels } = this.w.plan.stem;
    if (images.length !== batch * size * size * inChannels) {
      throw new Error(`KernelForward: ${images.length} values, expected batch * ${size} * ${size} * ${inChannels} = ${batch * size * size * inChannels}`);
    }
    return {
      raw: this.kernels.put(images),
      input: this.kernels.alloc(batch * this.inputBytes),
      pooled: this.kernels.alloc(batch * this.pooledBytes),
      logits: this.kernels.alloc(batch * this.classifier.classes * 4),
    };
  }

  endRun(io: RunIo): void {
    this.kernels.free(io.raw);
    this.kernels.free(io.input);
    this.kernels.free(io.pooled);
    this.kernels.free(io.logits);
  }

  /**
   * The kernel calls that take image n of `io` through stem, blocks, transitions, the head's
   * pooling and the Linear on `buf`. With parts > 1, only rows rowRange(.., part, parts) of every
   * layer's output, with barriers where a layer reads rows other parts wrote: each 3x3 (its taps
   * cross part boundaries), each transition and the head, which part 0 runs alone; then each part
   * runs the Linear for its share of the classes. Parts share `buf` but not the scratch: each
   * passes its own. Built once per set of addresses and reused.
   */
  program(buf: Buffers, io: RunIo, part: number, parts: number, scratch = buf.scratch): Int32Array {
    const key = `${buf.features[0]} ${io.raw} ${io.input} ${io.pooled} ${io.logits} ${part} ${parts} ${scratch}`;
    let program = this.programs.get(key);
    if (!program) {
      if (this.programs.size >= CACHED_PROGRAMS) this.programs.clear();
      program = this.buildProgram(buf, io, part, parts, scratch);
      this.programs.set(key, program);
    }
    return program;
  }

  private buildProgram(buf: Buffers, io: RunIo, part: number, parts: number, scratch: number): Int32Array {
    const { plan } = this.w;
    const p = new ProgramBuilder();
    const shared = parts > 1;
    const size = plan.stem.inputSize;
    const b0 = plan.blocks[0];
    const stride = plan.stem.stride;
    const [i0, i1] = rowRange(size, part, parts);
    const { inChannels } = plan.stem;
    if (i1 > i0) p.push(Op.stage, io.raw, size * size * inChannels * 4, size, inChannels, i0, i1, io.input, this.inputBytes, this.norm);
    // The stem's taps cross part boundaries.
    if (shared) p.push(Op.barrier);
    const [s0, s1] = rowRange(b0.spatial, part, parts);
    if (s1 > s0) {
      const inRow = (size + 2) * STEM_CHANNELS * 4;
      const [x, , height, width, ...rest] = this.stem.args(io.input + s0 * stride * inRow, 1, (s1 - s0 - 1) * stride + 1, size, buf.features[0] + s0 * b0.spatial * b0.outChannels * 4, b0.outChannels, 0);
      p.push(Op.stem, x, this.inputBytes, height, width, ...rest);
    }
    plan.blocks.forEach((block, i) => {
      const s = block.spatial;
      const cap = block.outChannels;
      const feat = buf.features[i];
      const cb = block.layers[0].bottleneckChannels;
      const [r0, r1] = rowRange(s, part, parts);
      const rows = r1 - r0;
      this.layers[i].forEach((layer, j) => {
        const bott = buf.bottleneck[i][shared ? j % 2 : 0];
        const x = feat + r0 * s * cap * 4;
        // Into the interior of the zero-bordered bottleneck, from image row r0 + 1, column 1.
        // (Interleaving the 1x1 and 3x3 by bands of rows, to keep the bottleneck in cache,
        // measured slower here: the kernels are compute-bound, L2/L3 hold the maps.)
        if (layer.planes) {
          const { rowPitch } = layer.planes;
          if (rows > 0) p.push(Op.conv1x1Planes, ...layer.conv1.args(x, cap, rows, s, bott + ((r0 + 1) * rowPitch + 1) * 4, layer.planes, scratch));
          if (shared) p.push(Op.barrier);
          if (rows > 0) p.push(Op.conv3x3Planes, ...layer.conv3.args(bott + r0 * rowPitch * 4, rows, s, layer.planes, x, cap, layer.inChannels));
        } else {
          if (rows > 0) p.push(Op.conv1x1, ...layer.conv1.args(x, cap, rows * s, bott + ((r0 + 1) * (s + 2) + 1) * cb * 4, cb, 0, { count: rows, yPitch: (s + 2) * cb }, scratch));
          if (shared) p.push(Op.barrier);
          if (rows > 0) p.push(Op.conv3x3, ...layer.conv3.args(bott + r0 * (s + 2) * cb * 4, 1, rows, s, x, cap, layer.inChannels));
        }
      });
      if (block.transition) {
        if (shared) p.push(Op.barrier);
        const next = plan.blocks[i + 1];
        const [q0, q1] = rowRange(next.spatial, part, parts);
        if (q1 > q0) {
          p.push(Op.pool, ...avgPool2x2Args(feat + 2 * q0 * s * cap * 4, 1, 2 * (q1 - q0), s, cap, cap, buf.features[i + 1] + q0 * next.spatial * next.outChannels * 4, next.outChannels));
        }
      }
    });
    if (shared) p.push(Op.barrier);
    if (part === 0) {
      const { features: C, spatial } = plan.head;
      p.push(Op.head, buf.features[buf.features.length - 1], spatial * spatial, C, this.head.scale, this.head.shift, io.pooled, this.pooledBytes);
    }
    if (shared) p.push(Op.barrier);
    const classes = this.classifier.classes;
    const linear = this.classifier.args(io.pooled, this.pooledBytes, io.logits, classes * 4, part, parts, scratch);
    if (linear) p.push(Op.linear, ...linear);
    return p.build();
  }

  /** The logits the programs wrote, [batch, classes]. */
  logits(io: RunIo, batch: number): Float32Array {
    return this.kernels.f32(io.logits, batch * this.classifier.classes).slice();
  }

  /** Frees everything the constructor allocated in the kernel module; later calls do nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stem.dispose();
    for (const layer of this.layers.flat()) {
      layer.conv1.dispose();
      layer.conv3.dispose();
    }
    for (const buf of this.buffers) {
      for (const at of [...buf.features, ...buf.bottleneck.flat(), buf.scratch]) this.kernels.free(at);
    }
    this.kernels.free(this.norm);
    this.kernels.free(this.head.scale);
    this.kernels.free(this.head.shift);
    this.classifier.dispose();
  }

  private zeroed(floats: number): number {
    const at = this.kernels.alloc(floats * 4);
    this.kernels.f32(at, floats).fill(0);
    return at;
  }
}
