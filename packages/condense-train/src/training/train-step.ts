import { withoutInputGradients } from '@condensenet/layers';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients by itself; tfjs-layers' bundle registers them
// all (tfjs-core's own register_all_gradients module is ESM that plain Node cannot import).
import '@tensorflow/tfjs-layers';
import type { Sgd } from '../optim/sgd.js';
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
    const parts: tf.Scalar[] = [];
    const { value, grads } = withoutInputGradients([input.images], () =>
      tf.variableGrads(() => {
        const logits = model.forward(input.images, true);
        const onehot = tf.oneHot(input.labels, logits.shape[1]);
        const ce = tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
        const lasso = input.groupLassoLambda > 0 ? model.groupLasso() : tf.scalar(0);
        const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), input.labels), 'float32')) as tf.Scalar;
        parts.push(tf.keep(ce), tf.keep(lasso), tf.keep(correct));
        return tf.add(ce, tf.mul(lasso, input.groupLassoLambda)) as tf.Scalar;
      }, model.parameters.map((p) => p.variable)),
    );
    sgd.step(model.parameters, grads, input.learningRate);
    const packed = tf.stack([value, ...parts]);
    for (const p of parts) p.dispose();
    return packed;
  });
  // Read asynchronously: webgpu in Node has no synchronous read.
  const [loss, crossEntropy, lasso, correct] = await numbers.data();
  numbers.dispose();
  return { loss, crossEntropy, lasso, correct };
}
