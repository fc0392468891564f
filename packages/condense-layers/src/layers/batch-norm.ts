import * as tf from '@tensorflow/tfjs-core';
import {
  CondenseLayer,
  batchNorm,
  isTraining,
  singleInput,
  singleShape,
  type Kwargs,
  type NormVariables,
  type Shape,
} from './base.js';

/**
 * BatchNorm with PyTorch's training semantics (see `batchNorm`); the reference's `norm_last`.
 * Weights `weight`, `bias`, `running_mean`, `running_var`.
 */
export class TorchBatchNorm extends CondenseLayer {
  static className = 'TorchBatchNorm';
  private norm!: NormVariables;

  override build(inputShape: Shape | Shape[]): void {
    this.norm = this.addNorm(singleShape(inputShape).at(-1) as number, '');
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => batchNorm(singleInput(inputs), this.norm, isTraining(kwargs)));
  }
}
tf.serialization.registerClass(TorchBatchNorm);
