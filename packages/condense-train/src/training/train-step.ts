import * as tf from '@tensorflow/tfjs-core';
import type { Sgd } from '../optim/sgd.js';
import { shardGradients } from '../parallel/shard-gradients.js';
import type { TrainableModel } from './trainable-model.js';

export interface StepInput {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  learningRate: number;
  groupLassoLambda: number;
}

export interface StepResult {
  /** Cross-entropy plus the weighted group lasso: what was minimised. */
  loss: number;
  crossEntropy: number;
  lasso: number;
  /** Correct top-1 predictions in the batch. */
  correct: number;
}

/**
 * One iteration as the reference's train(): forward in training mode, loss = CE + lambda * lasso,
 * gradients of every variable, one SGD step. The caller has already set the progress.
 */
export async function trainStep(model: TrainableModel, sgd: Sgd, input: StepInput): Promise<StepResult> {
  const numbers = tf.tidy(() => {
    const { grads, stats } = shardGradients(model, input.images, input.labels, 1, input.groupLassoLambda);
    sgd.step(model.parameters, grads, input.learningRate);
    return stats;
  });
  // Read asynchronously: webgpu in Node has no synchronous read.
  const [loss, crossEntropy, lasso, correct] = await numbers.data();
  numbers.dispose();
  return { loss, crossEntropy, lasso, correct };
}
