import type { ArchitecturePlan } from '@condensenet/core';
import type { CondensedModel } from '../../artifact/types.js';
import { foldBatchNorm } from '../fold-batch-norm.js';
import { layerWeights, type ModelWeights } from '../layer-weights.js';
import { avgPool2x2 } from './avg-pool.js';
import { CondensedConv1x1, packCondensedConv1x1 } from './condensed-conv1x1.js';
import { GroupedConv3x3 } from './grouped-conv3x3.js';
import type { KernelModule } from './kernel-module.js';

/** The stem's input channels padded to a whole SIMD vector. */
const STEM_CHANNELS = 4;

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

interface Layer {
  conv1: CondensedConv1x1;
  conv3: GroupedConv3x3;
  inChannels: number;
}

/** Activation buffers for one image, allocated once behind the weights. */
interface Buffers {
  /** Zero-bordered normalised input, 4 channels (the 4th stays zero). */
  input: number;
  /** Per block: its feature map [pixels, outChannels] and its zero-bordered bottleneck. */
  features: number[];
  bottleneck: number[];
}

/**
 * The condensed model on the SIMD kernels, all activations inside the kernel module's memory:
 * each block's growing feature map is one [pixels, channels] buffer that every layer appends
 * its new channels to, the bottleneck lives in a zero-bordered buffer the 3x3 reads without
 * bounds tests, and the 3x3's BatchNorm + ReLU is folded into the 1x1 kernel's output.
 * A batch runs one image at a time through the whole network: one image's largest feature map
 * (CondenseNet-86: 32x32x128 floats, 512 KiB) stays in cache across its block's layers, where
 * a whole batch's would stream from memory once per layer.
 */
export class KernelForward {
  private readonly w: ModelWeights;
  private readonly stem: GroupedConv3x3;
  private readonly layers: Layer[][];
  private readonly head: { scale: Float32Array; shift: Float32Array };
  private readonly buffers: Buffers;
  private disposed = false;

  constructor(
    private readonly kernels: KernelModule,
    private readonly model: CondensedModel,
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
    this.layers = w.blocks.map((block) =>
      block.map((l) => ({
        conv1: new CondensedConv1x1(
          kernels,
          packCondensedConv1x1({
            index: l.index,
            norm: l.norm1,
            weight: l.weight1,
            groups: l.plan.learnedGroup.groups,
            epsilon: model.batchNormEpsilon,
            after: l.norm2,
          }),
        ),
        conv3: new GroupedConv3x3(kernels, {
          weight: l.weight2,
          inChannels: l.plan.conv3x3.inChannels,
          outChannels: l.plan.conv3x3.outChannels,
          groups: l.plan.conv3x3.groups,
        }),
        inChannels: l.plan.inChannels,
      })),
    );
    this.head = foldBatchNorm(w.normLast, model.batchNormEpsilon);
    const zeroed = (floats: number) => {
      const at = kernels.alloc(floats * 4);
      kernels.f32(at, floats).fill(0);
      return at;
    };
    const s0 = stem.inputSize;
    this.buffers = {
      input: zeroed((s0 + 2) * (s0 + 2) * STEM_CHANNELS),
      features: w.plan.blocks.map((b) => kernels.alloc(b.spatial * b.spatial * b.outChannels * 4)),
      bottleneck: w.plan.blocks.map((b) => zeroed((b.spatial + 2) * (b.spatial + 2) * b.layers[0].bottleneckChannels)),
    };
  }

  /** images: NHWC in [0, 1], `batch` images; returns logits [batch, classes]. */
  predict(images: Float32Array, batch: number): Float32Array {
    if (this.disposed) throw new Error('KernelForward: predict() after dispose()');
    const { plan } = this.w;
    const { inputSize: size, inChannels } = plan.stem;
    if (images.length !== batch * size * size * inChannels) {
      throw new Error(`KernelForward: ${images.length} values, expected batch * ${size} * ${size} * ${inChannels} = ${batch * size * size * inChannels}`);
    }
    const logits = new Float32Array(batch * plan.head.classes);
    const perImage = size * size * inChannels;
    for (let n = 0; n < batch; n++) {
      this.features(images.subarray(n * perImage, (n + 1) * perImage));
      this.classify(logits.subarray(n * plan.head.classes, (n + 1) * plan.head.classes));
    }
    return logits;
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
    const { input, features, bottleneck } = this.buffers;
    for (const at of [input, ...features, ...bottleneck]) this.kernels.free(at);
  }

  /** One image through stem, blocks and transitions, into the last block's feature buffer. */
  private features(image: Float32Array): void {
    const { plan } = this.w;
    const { inputSize: size, inChannels } = plan.stem;
    const buf = this.buffers;
    const k = this.kernels;
    const input = k.f32(buf.input, (size + 2) * (size + 2) * STEM_CHANNELS);
    const { mean, std } = this.model.normalization;
    for (let h = 0; h < size; h++) {
      for (let w = 0; w < size; w++) {
        const from = (h * size + w) * inChannels;
        const to = ((h + 1) * (size + 2) + w + 1) * STEM_CHANNELS;
        for (let c = 0; c < inChannels; c++) input[to + c] = (image[from + c] - mean[c]) / std[c];
      }
    }
    this.stem.run(buf.input, 1, size, size, buf.features[0], plan.blocks[0].outChannels, 0);

    plan.blocks.forEach((block, i) => {
      const s = block.spatial;
      const cap = block.outChannels;
      const feat = buf.features[i];
      const bott = buf.bottleneck[i];
      const cb = block.layers[0].bottleneckChannels;
      for (const layer of this.layers[i]) {
        // Into the interior of the zero-bordered bottleneck: image rows s + 2 pixels apart.
        layer.conv1.run(feat, cap, s * s, bott + ((s + 2) + 1) * cb * 4, cb, 0, { count: s, yPitch: (s + 2) * cb });
        layer.conv3.run(bott, 1, s, s, feat, cap, layer.inChannels);
      }
      if (block.transition) avgPool2x2(k, feat, 1, s, s, cap, cap, buf.features[i + 1], plan.blocks[i + 1].outChannels);
    });
  }

  /** BN -> ReLU -> average pool over the whole (poolSize) map -> the condensing Linear. */
  private classify(logits: Float32Array): void {
    const { plan, classifierIndex: index, classifierWeight: weight, classifierBias: bias } = this.w;
    const { features: C, spatial: s, classes, condensedFeatures: kept } = plan.head;
    const pixels = s * s;
    const x = this.kernels.f32(this.buffers.features[this.buffers.features.length - 1], pixels * C);
    const { scale, shift } = this.head;
    const pooled = new Float64Array(C);
    for (let p = 0; p < pixels; p++) {
      for (let c = 0; c < C; c++) {
        const v = x[p * C + c] * scale[c] + shift[c];
        if (v > 0) pooled[c] += v;
      }
    }
    for (let o = 0; o < classes; o++) {
      let acc = bias[o];
      for (let t = 0; t < kept; t++) acc += (weight[o * kept + t] * pooled[index[t]]) / pixels;
      logits[o] = acc;
    }
  }
}
