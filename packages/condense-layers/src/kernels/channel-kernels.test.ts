import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKENDS, onBackend, randomTensor } from '../test-support/backends.js';
import { BN_BACKWARD_FACTORS, BN_RUNNING_STATS } from './channel-kernels.js';
import { runTrainingKernel } from './training-kernels.js';

const bits = (a: Float32Array[]) => a.map((v) => Array.from(v));

describe('BatchNorm per-channel kernels', () => {
  const dims = fc.record({ c: fc.integer({ min: 1, max: 40 }), count: fc.integer({ min: 1, max: 70000 }), seed: fc.integer({ min: 1, max: 1000 }) });

  it('move the running statistics with the bits of the stock ops, on every backend', async () => {
    await fc.assert(
      fc.asyncProperty(dims, async ({ c, count, seed }) => {
        for (const backend of BACKENDS) {
          const inputs = () => {
            const [mean, runningMean] = [randomTensor([c], seed), randomTensor([c], seed + 1)];
            const [variance, runningVar] = [tf.abs(randomTensor([c], seed + 2, 3)), tf.abs(randomTensor([c], seed + 3))];
            return { mean, variance, runningMean, runningVar };
          };
          const stock = await onBackend(backend, () => {
            const { mean, variance, runningMean, runningVar } = inputs();
            const unbiased = tf.mul(variance, count / Math.max(count - 1, 1));
            return [tf.add(tf.mul(runningMean, 1 - 0.1), tf.mul(mean, 0.1)), tf.add(tf.mul(runningVar, 1 - 0.1), tf.mul(unbiased, 0.1))];
          });
          const ours = await onBackend(backend, () => runTrainingKernel<tf.Tensor[]>(BN_RUNNING_STATS, inputs(), { momentum: 0.1, count }));
          expect(bits(ours), backend).toEqual(bits(stock));
        }
      }),
      { numRuns: 30 },
    );
  });

  it("give BatchNorm's backward factors with the bits of the stock ops, on every backend", async () => {
    await fc.assert(
      fc.asyncProperty(dims, async ({ c, count, seed }) => {
        for (const backend of BACKENDS) {
          const inputs = () => ({
            sumDz: randomTensor([c], seed, 50),
            sumDzCentered: randomTensor([c], seed + 1, 50),
            invStd: tf.abs(randomTensor([c], seed + 2, 4)),
            scale: randomTensor([c], seed + 3, 2),
          });
          const stock = await onBackend(backend, () => {
            const { sumDz, sumDzCentered, invStd, scale } = inputs();
            const dGamma = tf.mul(sumDzCentered, invStd);
            return [dGamma, tf.neg(tf.mul(scale, tf.mul(invStd, tf.div(dGamma, count)))), tf.neg(tf.mul(scale, tf.div(sumDz, count)))];
          });
          const ours = await onBackend(backend, () => runTrainingKernel<tf.Tensor[]>(BN_BACKWARD_FACTORS, inputs(), { count }));
          expect(bits(ours), backend).toEqual(bits(stock));
        }
      }),
      { numRuns: 30 },
    );
  });

  it('names the input whose length does not match', async () => {
    await onBackend('cpu', () => {
      const inputs = { sumDz: tf.zeros([3]), sumDzCentered: tf.zeros([4]), invStd: tf.zeros([3]), scale: tf.zeros([3]) };
      expect(() => runTrainingKernel(BN_BACKWARD_FACTORS, inputs, { count: 2 })).toThrow(/'sumDzCentered' has 4 values, 3 expected/);
      return [];
    });
  });
});
