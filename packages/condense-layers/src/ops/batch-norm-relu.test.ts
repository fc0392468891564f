import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { BACKENDS, expectClose, onBackend, randomTensor } from '../test-support/backends.js';
import { batchNormReluMaskedConv1x1Train, batchNormReluTrain, batchNormTrain } from './batch-norm-relu.js';
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
