import { oihwToHwio, shufflePermutation, type BatchNormParams } from '@condensenet/core';
import * as tf from '@tensorflow/tfjs-core';
import type { CondensedModel } from '../../artifact/types.js';
import { layerWeights, type ModelWeights } from '../layer-weights.js';

interface TfNorm {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  offset: tf.Tensor1D;
  scale: tf.Tensor1D;
}

interface TfDenseLayer {
  index: tf.Tensor1D;
  norm1: TfNorm;
  conv1: tf.Tensor4D;
  norm2: TfNorm;
  conv2: tf.Tensor4D;
}

/**
 * Block-diagonal dense HWIO filter for a grouped conv given as OIHW [cout, cin/groups, k, k]:
 * the fastest stock grouped conv on cpu and wasm at CondenseNet's sizes (tfjs-platform.md). `columns`
 * reorders outputs (output c takes grouped row columns[c]), which folds the 1x1's channel
 * shuffle into the filter.
 */
function blockDiagonal(weight: Float32Array, cout: number, cin: number, groups: number, k: number, columns?: Int32Array): tf.Tensor4D {
  const ci = cin / groups;
  const hwio = oihwToHwio(weight, [cout, ci, k, k]);
  const out = new Float32Array(k * k * cin * cout);
  for (let c = 0; c < cout; c++) {
    const row = columns ? columns[c] : c;
    const g = Math.floor(row / (cout / groups));
    for (let tap = 0; tap < k * k; tap++) {
      for (let i = 0; i < ci; i++) out[(tap * cin + g * ci + i) * cout + c] = hwio[(tap * ci + i) * cout + row];
    }
  }
  return tf.tensor4d(out, [k, k, cin, cout]);
}

function tfNorm(n: BatchNormParams): TfNorm {
  return {
    mean: tf.tensor1d(n.runningMean),
    variance: tf.tensor1d(n.runningVar),
    offset: tf.tensor1d(n.beta),
    scale: tf.tensor1d(n.gamma),
  };
}

/**
 * The condensed model in stock tfjs-core ops, for every backend: gather -> BN -> ReLU -> 1x1
 * (shuffle folded into the filter) -> BN -> ReLU -> 3x3 -> concat per layer, 2x2 average pools
 * between blocks, BN -> ReLU -> pool -> gathered Linear at the end.
 */
export class TfjsForward {
  private readonly w: ModelWeights;
  private readonly eps: number;
  private readonly mean: tf.Tensor1D;
  private readonly std: tf.Tensor1D;
  private readonly stem: tf.Tensor4D;
  private readonly layers: TfDenseLayer[][];
  private readonly normLast: TfNorm;
  private readonly classifierIndex: tf.Tensor1D;
  private readonly classifierWeight: tf.Tensor2D;
  private readonly classifierBias: tf.Tensor1D;

  constructor(model: CondensedModel) {
    const w = layerWeights(model);
    const { plan } = w;
    this.w = w;
    this.eps = model.batchNormEpsilon;
    this.mean = tf.tensor1d(model.normalization.mean);
    this.std = tf.tensor1d(model.normalization.std);
    this.stem = tf.tensor4d(oihwToHwio(w.stem, [plan.stem.outChannels, plan.stem.inChannels, 3, 3]), [3, 3, plan.stem.inChannels, plan.stem.outChannels]);
    this.layers = w.blocks.map((block) =>
      block.map((l) => {
        const lg = l.plan.learnedGroup;
        const c3 = l.plan.conv3x3;
        return {
          index: tf.tensor1d(l.index, 'int32'),
          norm1: tfNorm(l.norm1),
          conv1: blockDiagonal(l.weight1, lg.outChannels, l.index.length, lg.groups, 1, shufflePermutation(lg.outChannels, lg.groups)),
          norm2: tfNorm(l.norm2),
          conv2: blockDiagonal(l.weight2, c3.outChannels, c3.inChannels, c3.groups, 3),
        };
      }),
    );
    this.normLast = tfNorm(w.normLast);
    this.classifierIndex = tf.tensor1d(w.classifierIndex, 'int32');
    this.classifierWeight = tf.tensor2d(w.classifierWeight, [plan.head.classes, plan.head.condensedFeatures]);
    this.classifierBias = tf.tensor1d(w.classifierBias);
  }

  /** images: [N, H, W, C] in [0, 1]; returns logits [N, classes]. */
  predict(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const { plan } = this.w;
      const bnRelu = (x: tf.Tensor4D, n: TfNorm) => tf.relu(tf.batchNorm(x, n.mean, n.variance, n.offset, n.scale, this.eps));
      const normalised = tf.div<tf.Tensor4D>(tf.sub(images, this.mean), this.std);
      let x = tf.conv2d(normalised, this.stem, plan.stem.stride, [[0, 0], [1, 1], [1, 1], [0, 0]]);
      plan.blocks.forEach((block, i) => {
        for (const l of this.layers[i]) {
          const bottleneck = tf.conv2d(bnRelu(tf.gather(x, l.index, 3), l.norm1), l.conv1, 1, 'valid');
          x = tf.concat([x, tf.conv2d(bnRelu(bottleneck, l.norm2), l.conv2, 1, 'same')], 3);
        }
        if (block.transition) x = tf.avgPool(x, 2, 2, 'valid');
      });
      const pooled = tf.avgPool(bnRelu(x, this.normLast), plan.head.poolSize, plan.head.poolSize, 'valid');
      const features = tf.gather(tf.reshape(pooled, [-1, plan.head.features]), this.classifierIndex, 1);
      return tf.add(tf.matMul(features, this.classifierWeight, false, true), this.classifierBias);
    });
  }

  dispose(): void {
    const norms = (n: TfNorm) => [n.mean, n.variance, n.offset, n.scale];
    tf.dispose([
      this.mean, this.std, this.stem, this.classifierIndex, this.classifierWeight, this.classifierBias, ...norms(this.normLast),
      ...this.layers.flat().flatMap((l) => [l.index, l.conv1, l.conv2, ...norms(l.norm1), ...norms(l.norm2)]),
    ]);
  }
}
