import { withoutInputGradients } from '@condensenet/layers';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients by itself; tfjs-layers' bundle registers them
// all (tfjs-core's own register_all_gradients module is ESM that plain Node cannot import). Worker
// threads load this module without the trainer, so it registers them itself.
import '@tensorflow/tfjs-layers';
import type { TrainableModel } from '../training/trainable-model.js';

export type ShardGradients = {
  /** d(weight * CE + lambda * lasso) for every parameter, keyed by tfjs variable name. */
  grads: tf.NamedTensorMap;
  /** [weight * CE + lambda * lasso (what was differentiated), mean cross-entropy over the shard, lasso, correct top-1 predictions]. */
  stats: tf.Tensor1D;
};

/**
 * Forward and backward of one shard in training mode (BatchNorm on the shard's own statistics).
 * `weight` is the shard's share of the batch, so the shards' gradients add up to the gradient of
 * the whole batch's mean loss; the group lasso, a function of the weights alone, belongs in one
 * shard only (lambda 0 in the others). A whole batch is the shard of weight 1 (trainStep):
 * CE * 1 is CE to the bit, and so are its gradients.
 */
export function shardGradients(
  model: TrainableModel,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  weight: number,
  groupLassoLambda: number,
): ShardGradients {
  return tf.tidy(() => {
    const parts: tf.Scalar[] = [];
    const { value, grads } = withoutInputGradients([images], () =>
      tf.variableGrads(() => {
        const logits = model.forward(images, true);
        const onehot = tf.oneHot(labels, logits.shape[1]);
        const ce = tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
        const lasso = groupLassoLambda > 0 ? model.groupLasso() : tf.scalar(0);
        const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar;
        parts.push(tf.keep(ce), tf.keep(lasso), tf.keep(correct));
        return tf.add(tf.mul(ce, weight), tf.mul(lasso, groupLassoLambda)) as tf.Scalar;
      }, model.parameters.map((p) => p.variable)),
    );
    const stats = tf.stack([value, ...parts]) as tf.Tensor1D;
    for (const p of parts) p.dispose();
    return { grads, stats };
  });
}
