import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@condensenet/golden-fixtures';
import { memorySplit } from '../data/split.js';
import { evaluate, scoreLogits, tensorPredictor } from './evaluate.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('scoreLogits', () => {
  it("sums tfjs's softmax cross-entropy and counts top-1 / top-5 as tf.topk would", () => {
    const classes = 7;
    const n = 40;
    const rand = seededRandom(11);
    const logits = Float32Array.from({ length: n * classes }, () => (rand() - 0.5) * 20);
    const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * classes));
    const expected = tf.tidy(() => {
      const l = tf.tensor2d(logits, [n, classes]);
      const y = tf.tensor1d(labels, 'int32');
      const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(y, classes), l, undefined, undefined, tf.Reduction.SUM);
      const hits = tf.cast(tf.equal(tf.topk(l, 5).indices, tf.expandDims(y, 1)), 'float32');
      return [ce.dataSync()[0], tf.sum(tf.slice(hits, [0, 0], [-1, 1])).dataSync()[0], tf.sum(hits).dataSync()[0]];
    });
    const got = scoreLogits(logits, labels);
    expect(got.loss).toBeCloseTo(expected[0], 3);
    expect(got.top1).toBe(expected[1]);
    expect(got.top5).toBe(expected[2]);
    expect(got.top1).toBeGreaterThan(0);
    expect(got.top5).toBeLessThan(n);
  });

  it('counts a label in the top 5 only when fewer than 5 classes score higher', () => {
    const row = [6, 5, 4, 3, 2, 1, 0];
    expect(scoreLogits(Float32Array.from(row), Int32Array.of(0))).toMatchObject({ top1: 1, top5: 1 });
    expect(scoreLogits(Float32Array.from(row), Int32Array.of(4))).toMatchObject({ top1: 0, top5: 1 });
    expect(scoreLogits(Float32Array.from(row), Int32Array.of(5))).toMatchObject({ top1: 0, top5: 0 });
    expect(scoreLogits(Float32Array.of(0, 1, 2), Int32Array.of(0))).toMatchObject({ top1: 0, top5: 1 });
  });

  it('scores a row with a NaN as a miss with a NaN loss', () => {
    const got = scoreLogits(Float32Array.of(NaN, 1, 0, NaN, 2, 3), Int32Array.of(0, 2));
    // Row 0: its own logit is NaN. Row 1: its 3 is the highest number, but the NaN beside it counts as higher.
    expect(got.top1).toBe(0);
    expect(got.top5).toBe(1);
    expect(got.loss).toBeNaN();
  });

  it('names what is wrong with mismatched input', () => {
    expect(() => scoreLogits(new Float32Array(7), new Int32Array(2))).toThrow(/7 logits for 2 labels/);
    expect(() => scoreLogits(new Float32Array(6), Int32Array.of(0, 3))).toThrow(/label 3 outside 0\.\.2/);
  });
});

describe('evaluate', () => {
  it('visits the split in order, normalised, and averages over every example', async () => {
    // 5 one-pixel images whose value is the label's index: a predictor that reads it back is right.
    const split = memorySplit(Uint8Array.of(0, 1, 2, 0, 1), Int32Array.of(0, 1, 2, 0, 2), 1, 1, 1);
    const seen: number[] = [];
    const result = await evaluate(
      (batch) => {
        seen.push(batch.size);
        const logits = new Float32Array(batch.size * 3);
        batch.images.forEach((v, i) => (logits[i * 3 + Math.round(v * 255)] = 10));
        return logits;
      },
      split,
      { batchSize: 2, mean: [0], std: [1] },
    );
    expect(seen).toEqual([2, 2, 1]);
    expect(result.examples).toBe(5);
    expect(result.top1).toBeCloseTo(4 / 5);
    expect(result.top5).toBe(1);
  });

  it('tensorPredictor runs a tfjs forward pass and leaves no tensors behind', async () => {
    const split = memorySplit(Uint8Array.of(10, 200, 30, 40), Int32Array.of(0, 1), 2, 1, 1);
    const w = tf.tensor2d([[1, -1], [-1, 1]]);
    const before = tf.memory().numTensors;
    const result = await evaluate(tensorPredictor((x) => tf.matMul(tf.reshape(x, [-1, 2]), w)), split, { batchSize: 2, mean: [0], std: [1] });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.top1).toBeCloseTo(1 / 2);
    w.dispose();
  });
});
