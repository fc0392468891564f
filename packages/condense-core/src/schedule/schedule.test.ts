import { goldenCase } from '@condensenet/golden-fixtures';
import { describe, expect, it } from 'vitest';
import { cosineLearningRate, cosineLearningRateAt, multistepLearningRate } from './learning-rate.js';
import { trainingProgress } from './progress.js';

const c = goldenCase('cosine_lr');
const epochs: number = c.config.epochs;
const nBatch: number = c.config.nBatch;
const lr: number = c.config.lr;
const grid = Array.from({ length: epochs * nBatch }, (_, i) => ({ e: Math.floor(i / nBatch), b: i % nBatch }));

describe('schedules (golden cosine_lr)', () => {
  it('cosine lr equals the reference adjust_learning_rate to 1e-12', () => {
    for (const { e, b } of grid) {
      const want: number = c.config.lr_cosine_float64[e][b];
      expect(Math.abs(cosineLearningRateAt(lr, e, b, nBatch, epochs) - want)).toBeLessThanOrEqual(1e-12);
      expect(Math.abs(cosineLearningRate(lr, e * nBatch + b, epochs * nBatch) - want)).toBeLessThanOrEqual(1e-12);
      expect(Math.fround(cosineLearningRateAt(lr, e, b, nBatch, epochs))).toBe(c.floats('lr_cosine')[e * nBatch + b]);
    }
  });

  it('multistep cifar lr equals the reference exactly', () => {
    for (const { e, b } of grid) {
      expect(multistepLearningRate(lr, e, epochs, 'cifar')).toBe(c.config.lr_multistep_cifar_float64[e][b]);
    }
  });

  it('progress equals the reference train() value exactly', () => {
    for (const { e, b } of grid) {
      expect(trainingProgress(e, b, nBatch, epochs)).toBe(c.config.progress_float64[e][b]);
      expect(Math.fround(trainingProgress(e, b, nBatch, epochs))).toBe(c.floats('progress')[e * nBatch + b]);
    }
  });

  it('cosine wraps epochs past the end like the reference (epoch % epochs)', () => {
    expect(cosineLearningRateAt(0.1, 10, 0, 7, 10)).toBe(0.1);
    expect(cosineLearningRate(0.1, 70, 70)).toBeCloseTo(0, 15);
  });

  it('multistep imagenet decays by 10 every 30 epochs', () => {
    expect([0, 29, 30, 59, 60, 90, 119].map((e) => multistepLearningRate(0.1, e, 120, 'imagenet'))).toEqual([
      0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1 ** 2, 0.1 * 0.1 ** 3, 0.1 * 0.1 ** 3,
    ]);
  });

  it('names bad arguments', () => {
    expect(() => trainingProgress(0, 7, 7, 10)).toThrow(/trainingProgress: batch = 7 must be below batchesPerEpoch = 7/);
    expect(() => trainingProgress(-1, 0, 7, 10)).toThrow(/trainingProgress: epoch = -1 must be a non-negative integer/);
    expect(() => trainingProgress(0, 0, 7, 0)).toThrow(/trainingProgress: epochs = 0 must be a positive integer/);
    expect(() => cosineLearningRate(0.1, 71, 70)).toThrow(/cosineLearningRate: iteration = 71 must not exceed totalIterations = 70/);
    expect(() => cosineLearningRate(Number.NaN, 1, 70)).toThrow(/cosineLearningRate: baseLr = NaN must be a finite number/);
    expect(() => cosineLearningRateAt(0.1, 0, 0, 0, 10)).toThrow(/cosineLearningRateAt: batchesPerEpoch = 0 must be a positive integer/);
    expect(() => multistepLearningRate(0.1, 1, 10, 'mnist' as never)).toThrow(/multistepLearningRate: kind = "mnist" must be 'cifar' or 'imagenet'/);
    expect(() => multistepLearningRate(-0.1, 1, 10, 'cifar')).toThrow(/multistepLearningRate: baseLr = -0.1 must not be negative/);
  });
});
