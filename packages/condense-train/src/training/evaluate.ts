import * as tf from '@tensorflow/tfjs-core';
import { BatchIterator } from '../data/batches.js';
import type { Split } from '../data/dataset.js';

export interface Evaluation {
  loss: number;
  top1: number;
  top5: number;
  examples: number;
}

export interface EvaluateOptions {
  batchSize: number;
  mean: readonly number[];
  std: readonly number[];
}

/** Mean cross-entropy and top-1 / top-5 accuracy (fractions) over a whole split, in order. */
export function evaluate(
  forward: (images: tf.Tensor4D) => tf.Tensor2D,
  split: Split,
  options: EvaluateOptions,
): Evaluation {
  const batches = new BatchIterator(split, { ...options, seed: 0, shuffle: false });
  let loss = 0;
  let top1 = 0;
  let top5 = 0;
  for (let batch = batches.next(); batch; batch = batches.next()) {
    const b = batch;
    const stats = tf.tidy(() => {
      const images = tf.tensor4d(b.images, [b.size, split.height, split.width, split.channels]);
      const labels = tf.tensor1d(b.labels, 'int32');
      const logits = forward(images);
      const k = Math.min(5, logits.shape[1]);
      const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits, undefined, undefined, tf.Reduction.SUM);
      const { indices } = tf.topk(logits, k);
      const hits = tf.cast(tf.equal(indices, tf.expandDims(labels, 1)), 'float32');
      const first = tf.sum(tf.slice(hits, [0, 0], [-1, 1]));
      return tf.stack([ce, first, tf.sum(hits)]);
    });
    const [l, t1, t5] = stats.dataSync();
    stats.dispose();
    loss += l;
    top1 += t1;
    top5 += t5;
  }
  const n = split.size;
  return { loss: loss / n, top1: top1 / n, top5: top5 / n, examples: n };
}
