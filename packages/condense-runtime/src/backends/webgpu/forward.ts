import { transpose4d } from '@condensenet/core';
import * as tf from '@tensorflow/tfjs-core';
import type { CondensedModel } from '../../artifact/types.js';
import { GpuModelEnds } from '../gpu-ends.js';
import { conv1x1Params, layerWeights, type ModelWeights } from '../layer-weights.js';
import {
  avgPool2x2Program,
  condensedConv1x1Program,
  groupedConv3x3Program,
  packWebGPUConv1x1,
  type Uniform,
  type WebGPUConv1x1Operands,
  type WebGPUProgram,
} from './programs.js';
import type { WebGPUProgramRunner } from './runner.js';

interface GpuLayer {
  ops: WebGPUConv1x1Operands;
  /** index (int32), scaleShift, weight, bias: the 1x1 program's inputs after x. */
  conv1: tf.Tensor1D[];
  /** [cout][3][3][cin/groups]. */
  conv3: tf.Tensor1D;
  outChannels: number;
  groups: number;
  inChannels: number;
}

/** OIHW [cout, cin/groups, 3, 3] as the 3x3 program reads it. */
function conv3x3Weight(weight: Float32Array, cout: number, ci: number): tf.Tensor1D {
  return tf.tensor1d(transpose4d(weight, [cout, ci, 3, 3], [0, 2, 3, 1], 'WebGPUForward'));
}

/**
 * The condensed model on this package's WGSL programs, a whole batch per dispatch: the fused
 * gather + BatchNorm + ReLU + grouped 1x1 (+ the 3x3's BatchNorm + ReLU) into a bottleneck
 * tensor, the grouped 3x3 from it straight into its channel slot of the block's feature map (one
 * buffer per block, no concat), the 2x2 average pool into the start of the next block's map.
 * Normalisation and the head (BN + ReLU + pool + gathered Linear on [batch, features]) are stock
 * tfjs ops: they touch each value once and hold no gather over a feature map.
 */
export class WebGPUForward {
  private readonly w: ModelWeights;
  private readonly stem: tf.Tensor1D;
  private readonly layers: GpuLayer[][];
  private readonly ends: GpuModelEnds;

  constructor(
    private readonly runner: WebGPUProgramRunner,
    model: CondensedModel,
  ) {
    const w = layerWeights(model);
    const { plan } = w;
    this.w = w;
    this.ends = new GpuModelEnds(w, model);
    this.stem = conv3x3Weight(w.stem, plan.stem.outChannels, plan.stem.inChannels);
    this.layers = w.blocks.map((block) =>
      block.map((l) => {
        const ops = packWebGPUConv1x1(conv1x1Params(l, model.batchNormEpsilon));
        const c3 = l.plan.conv3x3;
        return {
          ops,
          conv1: [tf.tensor1d(ops.index, 'int32'), tf.tensor1d(ops.scaleShift), tf.tensor1d(ops.weight), tf.tensor1d(ops.bias)],
          conv3: conv3x3Weight(l.weight2, c3.outChannels, c3.inChannels / c3.groups),
          outChannels: c3.outChannels,
          groups: c3.groups,
          inChannels: l.plan.inChannels,
        };
      }),
    );
  }

  /** images: `batch` NHWC images in [0, 1]; returns logits [batch, classes]. */
  async predict(images: Float32Array, batch: number): Promise<Float32Array> {
    const { plan } = this.w;
    const owned: tf.Tensor[] = [];
    const own = <T extends tf.Tensor>(t: T): T => {
      owned.push(t);
      return t;
    };
    /** A new tensor, or (with `into`) `into` itself with the program's values written into it. */
    const run = (job: { program: WebGPUProgram; uniforms: Uniform[] }, inputs: tf.TensorInfo[], into?: tf.Tensor): tf.Tensor => {
      const out = this.runner.runWebGPUProgram(job.program, inputs, 'float32', job.uniforms, into);
      return into ?? own(tf.engine().makeTensorFromTensorInfo(out));
    };
    try {
      const x = own(this.ends.input(images, batch));
      const normalised = own(this.ends.normalise(x));
      const first = plan.blocks[0];
      let feat = run(
        groupedConv3x3Program(normalised, {
          outChannels: plan.stem.outChannels,
          groups: 1,
          stride: plan.stem.stride,
          output: { shape: [batch, first.spatial, first.spatial, first.outChannels], offset: 0 },
        }),
        [normalised, this.stem],
      );
      plan.blocks.forEach((block, i) => {
        let bottleneck: tf.Tensor | undefined;
        for (const layer of this.layers[i]) {
          bottleneck = run(condensedConv1x1Program(feat, layer.ops), [feat, ...layer.conv1], bottleneck);
          run(
            groupedConv3x3Program(bottleneck, {
              outChannels: layer.outChannels,
              groups: layer.groups,
              stride: 1,
              output: { shape: feat.shape, offset: layer.inChannels },
            }),
            [bottleneck, layer.conv3],
            feat,
          );
        }
        if (block.transition) {
          const next = plan.blocks[i + 1];
          feat = run(avgPool2x2Program(feat, [batch, next.spatial, next.spatial, next.outChannels]), [feat]);
        }
      });
      const logits = own(this.ends.logits(feat as tf.Tensor4D));
      return (await logits.data()) as Float32Array;
    } finally {
      tf.dispose(owned);
    }
  }

  dispose(): void {
    this.ends.dispose();
    tf.dispose([this.stem, ...this.layers.flat().flatMap((l) => [...l.conv1, l.conv3])]);
  }
}
