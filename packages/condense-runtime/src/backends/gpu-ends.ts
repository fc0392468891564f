import * as tf from '@tensorflow/tfjs-core';
import type { CondensedModel } from '../artifact/types.js';
import { foldBatchNorm } from './fold-batch-norm.js';
import type { ModelWeights } from './layer-weights.js';

/**
 * What the GPU paths run in stock tfjs ops around their own programs: the input tensor and its
 * normalisation, and the head (folded BN + ReLU + pool + gathered Linear on [batch, features]).
 * Both touch each value once and hold no gather over a feature map, so no program of ours pays.
 */
export class GpuModelEnds {
  private readonly mean: tf.Tensor1D;
  private readonly std: tf.Tensor1D;
  private readonly headScale: tf.Tensor1D;
  private readonly headShift: tf.Tensor1D;
  private readonly classifierIndex: tf.Tensor1D;
  private readonly classifierWeight: tf.Tensor2D;
  private readonly classifierBias: tf.Tensor1D;

  constructor(
    private readonly w: ModelWeights,
    model: CondensedModel,
  ) {
    const { head } = w.plan;
    this.mean = tf.tensor1d(model.normalization.mean);
    this.std = tf.tensor1d(model.normalization.std);
    const folded = foldBatchNorm(w.normLast, model.batchNormEpsilon);
    this.headScale = tf.tensor1d(folded.scale);
    this.headShift = tf.tensor1d(folded.shift);
    this.classifierIndex = tf.tensor1d(w.classifierIndex, 'int32');
    this.classifierWeight = tf.tensor2d(w.classifierWeight, [head.classes, head.condensedFeatures]);
    this.classifierBias = tf.tensor1d(w.classifierBias);
  }

  /** `batch` NHWC images in [0, 1] (the session has checked their length) as a tensor. */
  input(images: Float32Array, batch: number): tf.Tensor4D {
    const { inputSize: size, inChannels } = this.w.plan.stem;
    return tf.tensor4d(images, [batch, size, size, inChannels]);
  }

  normalise(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.div<tf.Tensor4D>(tf.sub(x, this.mean), this.std));
  }

  logits(feat: tf.Tensor4D): tf.Tensor2D {
    const { head } = this.w.plan;
    return tf.tidy(() => {
      const activated = tf.relu(tf.add(tf.mul(feat, this.headScale), this.headShift)) as tf.Tensor4D;
      const pooled = tf.avgPool(activated, head.poolSize, head.poolSize, 'valid');
      const features = tf.gather(tf.reshape(pooled, [-1, head.features]), this.classifierIndex, 1);
      return tf.add(tf.matMul(features, this.classifierWeight, false, true), this.classifierBias);
    });
  }

  dispose(): void {
    tf.dispose([this.mean, this.std, this.headScale, this.headShift, this.classifierIndex, this.classifierWeight, this.classifierBias]);
  }
}
