import * as tf from '@tensorflow/tfjs-core';
import { BatchIterator } from '../data/batches.js';
import type { Batch } from '../data/batches.js';
import type { Split } from '../data/dataset.js';

export interface Evaluation {
  loss: number;
  top1: number;
  top5: number;
  examples: number;
}

export interface EvaluateOptions {
  batchSize: number;
  /** The normalisation the predictor expects its images in (zeros and ones: pixels in [0, 1]). */
  mean: readonly number[];
  std: readonly number[];
}

/** Logits of one batch, row-major [batch.size, classes]. */
export type Predictor = (batch: Batch) => Float32Array | Promise<Float32Array>;

/**
 * Mean cross-entropy and top-1 / top-5 accuracy (fractions) over a whole split, in order. The
 * predictor may run anywhere (a tfjs model, worker threads, the runtime's session); scoring
 * happens here, on its logits.
 */
export async function evaluate(predict: Predictor, split: Split, options: EvaluateOptions): Promise<Evaluation> {
  const batches = new BatchIterator(split, { ...options, seed: 0, shuffle: false });
  const total = { loss: 0, top1: 0, top5: 0 };
  for (let batch = batches.next(); batch; batch = batches.next()) {
    const logits = await predict(batch);
    const scores = scoreLogits(logits, batch.labels);
    total.loss += scores.loss;
    total.top1 += scores.top1;
    total.top5 += scores.top5;
  }
  const n = split.size;
  return { loss: total.loss / n, top1: total.top1 / n, top5: total.top5 / n, examples: n };
}

/**
 * Summed cross-entropy and counts of top-1 / top-5 hits of row-major logits. A label is in the
 * top k when fewer than k classes score strictly higher (with fewer than k classes, always); a
 * row with a NaN is a miss (and makes the loss NaN), so a diverged model cannot score.
 */
export function scoreLogits(logits: Float32Array, labels: Int32Array): { loss: number; top1: number; top5: number } {
  const n = labels.length;
  if (n === 0 || logits.length % n !== 0) {
    throw new Error(`scoreLogits: ${logits.length} logits for ${n} labels (expected a multiple of the label count)`);
  }
  const classes = logits.length / n;
  let loss = 0;
  let top1 = 0;
  let top5 = 0;
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    const label = labels[i];
    if (!(label >= 0 && label < classes)) throw new Error(`scoreLogits: label ${label} outside 0..${classes - 1}`);
    const target = row[label];
    let max = -Infinity;
    let higher = 0;
    for (let c = 0; c < classes; c++) {
      max = Math.max(max, row[c]);
      if (!(row[c] <= target)) higher++;
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(row[c] - max);
    loss += max + Math.log(sum) - target;
    if (Number.isNaN(target)) higher = Infinity;
    if (higher === 0) top1++;
    if (higher < 5) top5++;
  }
  return { loss, top1, top5 };
}

/**
 * A predictor from a tfjs forward pass (inference mode is the caller's choice). Logits are read
 * asynchronously: webgpu in Node has no synchronous read.
 */
export function tensorPredictor(forward: (images: tf.Tensor4D) => tf.Tensor2D): Predictor {
  return async (batch) => {
    const logits = tf.tidy(() => forward(tf.tensor4d(batch.images, [...batch.shape])));
    try {
      return (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
  };
}
