import { transpose4d } from '@condensenet/core';
import * as tf from '@tensorflow/tfjs-core';
import type { CondensedModel } from '../../artifact/types.js';
import { GpuModelEnds } from '../gpu-ends.js';
import { conv1x1Params, layerWeights, type ModelWeights } from '../layer-weights.js';
import { avgPool2x2Program, condensedConv1x1Program, groupedConv3x3Program, packWebGLConv1x1, type WebGLProgram } from './programs.js';
import type { WebGLProgramRunner } from './runner.js';

interface GlLayer {
  /** index, scale, shift, weight, bias: the 1x1 program's inputs after x. */
  conv1: tf.Tensor[];
  conv1Program: (x: tf.TensorInfo) => WebGLProgram;
  /** [cout, 3, 3, cin/groups]. */
  conv3: tf.Tensor4D;
  outChannels: number;
  groups: number;
}

/** OIHW [cout, cin/groups, 3, 3] as the 3x3 program reads it. */
function conv3x3Weight(weight: Float32Array, cout: number, ci: number): tf.Tensor4D {
  return tf.tensor4d(transpose4d(weight, [cout, ci, 3, 3], [0, 2, 3, 1], 'WebGLForward'), [cout, 3, 3, ci]);
}

/**
 * The condensed model on this package's GLSL programs, a whole batch per draw: the fused
 * gather + BatchNorm + ReLU + grouped 1x1 (+ the 3x3's BatchNorm + ReLU) into a bottleneck
 * texture, the grouped 3x3 from it into a new feature map that also copies the block's previous
 * channels (the concat, in the same pass), the 2x2 average pool into the next block's first map.
 * Each map is released as soon as the next exists, so a block holds two at a time, not one per
 * layer. Normalisation and the head (BN + ReLU + pool + gathered Linear on [batch, features])
 * are stock tfjs ops: they touch each value once and hold no gather over a feature map.
 */
export class WebGLForward {
  private readonly w: ModelWeights;
  private readonly stem: tf.Tensor4D;
  private readonly layers: GlLayer[][];
  private readonly ends: GpuModelEnds;

  constructor(
    private readonly runner: WebGLProgramRunner,
    model: CondensedModel,
  ) {
    const w = layerWeights(model);
    const { plan } = w;
    this.w = w;
    this.ends = new GpuModelEnds(w, model);
    this.stem = conv3x3Weight(w.stem, plan.stem.outChannels, plan.stem.inChannels);
    this.layers = w.blocks.map((block) =>
      block.map((l) => {
        const ops = packWebGLConv1x1(conv1x1Params(l, model.batchNormEpsilon));
        const { groups: G, K, outChannels: O } = ops;
        const c3 = l.plan.conv3x3;
        return {
          conv1: [
            tf.tensor2d(ops.index, [G, K], 'int32'),
            tf.tensor2d(ops.scale, [G, K]),
            tf.tensor2d(ops.shift, [G, K]),
            tf.tensor2d(ops.weight, [O, K]),
            tf.tensor1d(ops.bias),
          ],
          conv1Program: (x: tf.TensorInfo) => condensedConv1x1Program(x, ops),
          conv3: conv3x3Weight(l.weight2, c3.outChannels, c3.inChannels / c3.groups),
          outChannels: c3.outChannels,
          groups: c3.groups,
        };
      }),
    );
  }

  /** images: `batch` NHWC images in [0, 1]; returns logits [batch, classes]. */
  async predict(images: Float32Array, batch: number): Promise<Float32Array> {
    const { plan } = this.w;
    // Tensors made from the programs' outputs inside tidy are tracked by it like any op's.
    const logits = tf.tidy(() => {
      const run = (program: WebGLProgram, inputs: tf.TensorInfo[]): tf.Tensor4D =>
        tf.engine().makeTensorFromTensorInfo(this.runner.compileAndRun(program, inputs, 'float32')) as tf.Tensor4D;
      const x = this.ends.input(images, batch);
      const normalised = this.ends.normalise(x);
      const first = plan.blocks[0].spatial;
      let feat = run(
        groupedConv3x3Program(normalised, { outChannels: plan.stem.outChannels, groups: 1, stride: plan.stem.stride, outSize: [first, first] }),
        [normalised, this.stem],
      );
      tf.dispose([x, normalised]);
      plan.blocks.forEach((block, i) => {
        for (const layer of this.layers[i]) {
          const bottleneck = run(layer.conv1Program(feat), [feat, ...layer.conv1]);
          const grown = run(
            groupedConv3x3Program(bottleneck, {
              outChannels: layer.outChannels,
              groups: layer.groups,
              stride: 1,
              outSize: [block.spatial, block.spatial],
              prev: feat,
            }),
            [bottleneck, layer.conv3, feat],
          );
          tf.dispose([bottleneck, feat]);
          feat = grown;
        }
        if (block.transition) {
          const pooled = run(avgPool2x2Program(feat), [feat]);
          feat.dispose();
          feat = pooled;
        }
      });
      return this.ends.logits(feat);
    });
    try {
      return (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
  }

  dispose(): void {
    this.ends.dispose();
    tf.dispose([this.stem, ...this.layers.flat().flatMap((l) => [...l.conv1, l.conv3])]);
  }
}
