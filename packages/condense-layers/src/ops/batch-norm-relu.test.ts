import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { BACKENDS, expectClose, onBackend, randomTensor } from '../test-support/backends.js';
import { batchNormInference, batchNormReluMaskedConv1x1Train, batchNormReluTrain, batchNormTrain } from './batch-norm-relu.js';
import { BN_EPSILON } from './constants.js';

/** Plain autodiff of the same math: the gradients the fused ops must reproduce. */
function unfused(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, relu = true): tf.Tensor {
  const mean = tf.mean(x, [0, 1, 2]);
  const c = tf.sub(x, mean);
  const v = tf.mean(tf.square(c), [0, 1, 2]);
  const z = tf.add(tf.mul(c, tf.mul(tf.rsqrt(tf.add(v, BN_EPSILON)), g)), b);
  return relu ? tf.relu(z) : z;
}

function run(fused: boolean, withConv: boolean, shape = [3, 4, 5, 6], out = 4, seed = 41, relu = true): tf.Tensor[] {
  const c = shape[3];
  const x = randomTensor(shape, seed, 2);
  const g = randomTensor([c], seed + 1);
  const b = randomTensor([c], seed + 2, 0.3);
  const k = randomTensor([1, 1, c, out], seed + 3) as tf.Tensor4D;
  const mask = tf.cast(tf.greater(randomTensor([1, 1, c, out], seed + 4), -0.3), 'float32') as tf.Tensor4D;
  const stats: tf.Tensor[] = [];
  const sink = (m: tf.Tensor, v: tf.Tensor) => stats.push(tf.keep(tf.clone(m)), tf.keep(tf.clone(v)));
  const f = (xa: tf.Tensor, ga: tf.Tensor, ba: tf.Tensor, ka: tf.Tensor) => {
    if (fused && withConv) {
      return batchNormReluMaskedConv1x1Train(xa as tf.Tensor4D, ga as tf.Tensor1D, ba as tf.Tensor1D, ka as tf.Tensor4D, mask, sink);
    }
    const norm = relu ? batchNormReluTrain : batchNormTrain;
    const h = fused ? norm(xa, ga as tf.Tensor1D, ba as tf.Tensor1D, sink) : unfused(xa, ga, ba, relu);
    return withConv ? tf.conv2d(h as tf.Tensor4D, tf.mul(ka, mask) as tf.Tensor4D, 1, 'valid') : h;
  };
  const y = f(x, g, b, k);
  const dy = randomTensor(y.shape, seed + 5);
  const grads = withConv
    ? tf.grads((xa: tf.Tensor, ga: tf.Tensor, ba: tf.Tensor, ka: tf.Tensor) => tf.sum(tf.mul(f(xa, ga, ba, ka), dy)))([x, g, b, k])
    : tf.grads((xa: tf.Tensor, ga: tf.Tensor, ba: tf.Tensor) => tf.sum(tf.mul(f(xa, ga, ba, k), dy)))([x, g, b]);
  return [y, ...grads, ...stats.slice(0, fused ? 2 : 0)];
}

describe('fused training BatchNorm + ReLU (+ masked 1x1 conv)', () => {
  for (const withConv of [false, true]) {
    it(`${withConv ? 'with' : 'without'} the conv: values and gradients equal plain autodiff, on every backend`, async () => {
      const expected = await onBackend('cpu', () => run(false, withConv));
      for (const backend of BACKENDS) {
        const actual = await onBackend(backend, () => run(true, withConv));
        const names = ['y', 'dx', 'dgamma', 'dbeta', 'dkernel'];
        expected.forEach((e, i) => expectClose(actual[i], e, 1e-4, `${backend} ${names[i]}`));
      }
    });
  }

  // Channels multiples of 4 run this package's BatchNorm kernels on wasm and cpu, others stock ops.
  it('values and gradients equal plain autodiff on random shapes, with and without ReLU and conv', async () => {
    const cases = fc.record({
      shape: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.constantFrom(4, 8, 20, 6)),
      out: fc.constantFrom(4, 8, 3),
      seed: fc.integer({ min: 1, max: 1000 }),
      withConv: fc.boolean(),
      relu: fc.boolean(),
    }).filter((c) => c.relu || !c.withConv);
    await fc.assert(
      fc.asyncProperty(cases, async ({ shape, out, seed, withConv, relu }) => {
        const expected = await onBackend('cpu', () => run(false, withConv, shape, out, seed, relu));
        for (const backend of BACKENDS) {
          const actual = await onBackend(backend, () => run(true, withConv, shape, out, seed, relu));
          // Relative to the values' size: with a channel of two nearly equal values (shape
          // [1, 2, 1, c]), 1 / sqrt(var + eps) approaches 316 and the gradients are in the
          // hundreds, where float32 rounding alone exceeded a fixed 2e-4 once in a full run.
          expected.forEach((e, i) => {
            const scale = Math.max(1, ...Array.from(e, Math.abs));
            expectClose(actual[i], e, 2e-4 * scale, `${backend} output ${i} ${JSON.stringify({ shape, out, withConv, relu })}`);
          });
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('inference-mode BatchNorm (+ ReLU)', () => {
  const dims = fc.record({
    n: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 5 }),
    c: fc.integer({ min: 1, max: 12 }),
    relu: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1000 }),
  });

  it("equals tf.batchNorm's values and its autodiff gradients on random shapes, on every backend", async () => {
    await fc.assert(
      fc.asyncProperty(dims, async ({ n, h, c, relu, seed }) => {
        const inputs = () => ({
          x: randomTensor([n, h, h, c], seed, 2),
          mean: randomTensor([c], seed + 1) as tf.Tensor1D,
          variance: tf.abs(randomTensor([c], seed + 2)) as tf.Tensor1D,
          gamma: randomTensor([c], seed + 3) as tf.Tensor1D,
          beta: randomTensor([c], seed + 4) as tf.Tensor1D,
        });
        // Gradients of a fixed, non-uniform weighting of the output, so every element counts.
        const weigh = (y: tf.Tensor) => tf.sum(tf.mul(y, randomTensor(y.shape, seed + 5)));
        for (const backend of BACKENDS) {
          const withOp = (f: (x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D, m: tf.Tensor1D, v: tf.Tensor1D) => tf.Tensor) => () => {
            const { x, mean, variance, gamma, beta } = inputs();
            const y = f(x, gamma, beta, mean, variance);
            const grads = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => weigh(f(xi, gi as tf.Tensor1D, bi as tf.Tensor1D, mean, variance)))([x, gamma, beta]);
            return [y, ...grads];
          };
          const expected = await onBackend(
            backend,
            withOp((x, g, b, m, v) => {
              const y = tf.batchNorm(x, m, v, b, g, BN_EPSILON);
              return relu ? tf.relu(y) : y;
            }),
          );
          const actual = await onBackend(backend, withOp((x, g, b, m, v) => batchNormInference(x, m, v, g, b, relu)));
          actual.forEach((a, i) => expectClose(a, expected[i], 1e-5 * (1 + n * h * h), `${backend} ${[n, h, h, c]} relu ${relu} output ${i}`));
        }
      }),
      { numRuns: 25 },
    );
  });
});
