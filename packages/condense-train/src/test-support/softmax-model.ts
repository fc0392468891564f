import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig, targetStage } from '@condensenet/core';
import type { CheckpointTensor } from '../checkpoint/checkpoint-file.js';
import type { TrainableModel } from '../training/trainable-model.js';

/**
 * A linear softmax classifier behind the TrainableModel interface, so the training loop's
 * schedule, checkpoints and resume can be tested quickly without building a CondenseNet.
 * Its "condensing" stage follows the reference's schedule for C = 4.
 */
export function softmaxModel(pixels: number, classes: number, seed = 1): TrainableModel & { dispose(): void } {
  const config = resolveConfig({ stages: [1], growth: [8], numClasses: classes, poolSize: 32 });
  const w = tf.variable(tf.randomNormal([pixels, classes], 0, 0.01, 'float32', seed), true);
  const b = tf.variable(tf.zeros([classes]), true);
  let stage = 0;
  return {
    config,
    parameters: [
      { name: 'w', variable: w },
      { name: 'b', variable: b },
    ],
    async setProgress(progress) {
      stage = Math.max(stage, Math.min(stage + 1, targetStage(progress, config.condenseFactor)));
      return stage;
    },
    get condensations() {
      return stage;
    },
    forward(images) {
      return tf.tidy(() => tf.add(tf.matMul(tf.reshape(images, [images.shape[0], pixels]), w), b));
    },
    groupLasso() {
      return tf.tidy(() => tf.sum(tf.sqrt(tf.sum(tf.square(w), 1))));
    },
    async exportWeights(): Promise<CheckpointTensor[]> {
      return [
        { name: 'w', shape: w.shape, dtype: 'float32', values: (await w.data()) as Float32Array },
        { name: 'b', shape: b.shape, dtype: 'float32', values: (await b.data()) as Float32Array },
        { name: 'stage', shape: [], dtype: 'int32', values: Int32Array.of(stage) },
      ];
    },
    importWeights(tensors) {
      const byName = new Map(tensors.map((t) => [t.name, t]));
      w.assign(tf.tensor(byName.get('w')!.values, w.shape));
      b.assign(tf.tensor(byName.get('b')!.values, b.shape));
      stage = byName.get('stage')!.values[0];
    },
    dispose() {
      w.dispose();
      b.dispose();
    },
  };
}
