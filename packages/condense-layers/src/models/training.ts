import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { withoutInputGradients } from '../ops/input-gradients.js';
import { learnedGroupConvs, setProgress } from './condensenet.js';

export interface GradientOptions {
  /** Training progress for this step; when given, set on the model before the forward. */
  progress?: number;
  /** Weight of the group lasso term (the reference uses 1e-5 on ImageNet, 0 on CIFAR). */
  lassoWeight?: number;
}

export interface StepResult {
  /** Cross entropy + lassoWeight * group lasso. */
  loss: tf.Scalar;
  /** Gradients of `loss`, in the order of `model.trainableWeights`. */
  grads: tf.Tensor[];
}

/** Sum of the group lasso of every learned group conv (differentiable; 0 when all switched off). */
export function groupLassoLoss(model: tfl.LayersModel): tf.Scalar {
  return tf.tidy(() => learnedGroupConvs(model).reduce((acc, l) => tf.add(acc, l.groupLasso()), tf.scalar(0)) as tf.Scalar);
}

/**
 * One training forward/backward as the reference's `train()`: progress set on this model, the
 * forward in training mode (condensation, then BN batch statistics and running-stat updates),
 * mean softmax cross entropy over integer labels plus the weighted group lasso. Gradients only;
 * the optimizer is the caller's.
 */
export function computeGradients(
  model: tfl.LayersModel,
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
  options: GradientOptions = {},
): StepResult {
  if (options.progress !== undefined) setProgress(model, options.progress);
  const lassoWeight = options.lassoWeight ?? 0;
  const classes = (model.outputs[0].shape.at(-1) as number) ?? 0;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = withoutInputGradients([x], () =>
    tf.variableGrads(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor2D;
      const onehot = tf.oneHot(tf.cast(labels, 'int32'), classes);
      const ce = tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
      return lassoWeight > 0 ? (tf.add(ce, tf.mul(groupLassoLoss(model), lassoWeight)) as tf.Scalar) : ce;
    }, variables),
  );
  return { loss: value, grads: variables.map((v) => grads[v.name]) };
}
