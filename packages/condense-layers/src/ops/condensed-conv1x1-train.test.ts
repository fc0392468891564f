import { advanceCondensation, initialCondensationState, linearIoToOi, linearOiToIo, type LearnedGroupShape } from '@condensenet/core';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, expectClose, onBackend, randomArray, randomTensor, useBackend } from '../test-support/backends.js';
import { BN_EPSILON } from './constants.js';
import { condensedLayout, learnedGroupConvTrain } from './condensed-conv1x1-train.js';
import { setBackendStrategies } from './strategy-defaults.js';

interface Case {
  n: number;
  h: number;
  w: number;
  /** R and O as multiples of 4 and of G. */
  inputs: number;
  groups: number;
  perGroup: number;
  condenseFactor: number;
  seed: number;
}

function shapeOf(c: Case): LearnedGroupShape {
  return { inChannels: c.inputs, outChannels: c.groups * c.perGroup, groups: c.groups, condenseFactor: c.condenseFactor };
}

/**
 * The masks ([1, 1, R, O] values) of every condensing stage after 0, as core's pruning leaves
 * them for a random kernel: the layouts the op re-packs at each stage boundary.
 */
function stageMasks(c: Case): Float32Array[] {
  const shape = shapeOf(c);
  const o = shape.outChannels;
  const weightOI = linearIoToOi(randomArray(c.inputs * o, c.seed + 10), c.inputs, o);
  let state = initialCondensationState(shape);
  const masks: Float32Array[] = [];
  for (let stage = 1; stage < c.condenseFactor; stage++) {
    // Progress inside stage s of C: s / (2 (C - 1)) starts it.
    state = advanceCondensation(weightOI, state, shape, stage / (2 * (c.condenseFactor - 1)) + 1e-9).state;
    masks.push(linearOiToIo(state.mask, o, c.inputs));
  }
  return masks;
}

/**
 * BN (batch statistics) -> ReLU -> conv2d with kernel * mask by tfjs's own ops and autograd,
 * and the running-statistics inputs; `ours`: the learned group conv's training op.
 */
function run(c: Case, maskValues: Float32Array, ours: boolean): tf.Tensor[] {
  const o = c.groups * c.perGroup;
  const x = randomTensor([c.n, c.h, c.w, c.inputs], c.seed, 2) as tf.Tensor4D;
  const gamma = randomTensor([c.inputs], c.seed + 1) as tf.Tensor1D;
  const beta = randomTensor([c.inputs], c.seed + 2, 0.3) as tf.Tensor1D;
  const kernel = randomTensor([1, 1, c.inputs, o], c.seed + 3) as tf.Tensor4D;
  const mask = tf.tensor4d(maskValues, [1, 1, c.inputs, o]);
  const stats: tf.Tensor[] = [];
  const sink = (m: tf.Tensor, v: tf.Tensor) => stats.push(tf.keep(tf.clone(m)), tf.keep(tf.clone(v)));
  const f = (xa: tf.Tensor, ga: tf.Tensor, ba: tf.Tensor, ka: tf.Tensor): tf.Tensor => {
    // (The condensed kernels must be what runs: a layout exists for every stage after 0.)
    if (ours && !condensedLayout(mask, c.groups)) throw new Error('no condensed layout');
    if (ours) return learnedGroupConvTrain(xa as tf.Tensor4D, ga as tf.Tensor1D, ba as tf.Tensor1D, ka as tf.Tensor4D, mask, c.groups, sink);
    const mean = tf.mean(xa, [0, 1, 2]);
    const centered = tf.sub(xa, mean);
    const variance = tf.mean(tf.square(centered), [0, 1, 2]);
    stats.push(tf.keep(mean), tf.keep(variance));
    const act = tf.relu(tf.add(tf.mul(centered, tf.mul(tf.rsqrt(tf.add(variance, BN_EPSILON)), ga)), ba));
    return tf.conv2d(act as tf.Tensor4D, tf.mul(ka, mask) as tf.Tensor4D, 1, 'valid');
  };
  const y = f(x, gamma, beta, kernel);
  const dy = randomTensor(y.shape, c.seed + 4);
  const grads = tf.grads((xa: tf.Tensor, ga: tf.Tensor, ba: tf.Tensor, ka: tf.Tensor) => tf.sum(tf.mul(f(xa, ga, ba, ka), dy)))([
    x, gamma, beta, kernel,
  ]);
  return [y, ...grads, stats[0], stats[1]];
}

const NAMES = ['y', 'dx', 'dgamma', 'dbeta', 'dkernel', 'batch mean', 'batch variance'];

const cases: fc.Arbitrary<Case> = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 5 }),
    w: fc.integer({ min: 1, max: 5 }),
    inputs: fc.constantFrom(8, 12, 16, 24, 36, 40),
    groups: fc.constantFrom(4, 8),
    perGroup: fc.integer({ min: 1, max: 5 }),
    condenseFactor: fc.constantFrom(2, 4),
    seed: fc.integer({ min: 1, max: 1000 }),
  })
  .filter((c) => c.inputs % c.groups === 0 && c.inputs % c.condenseFactor === 0);

describe('learnedGroupConvTrain (condensed layout once a stage has pruned)', () => {
  // Every stage through the condensed kernels, not only those past the default threshold.
  beforeAll(() => {
    for (const backend of BACKENDS) setBackendStrategies(backend, { condensedTrainingMaxKept: 1 });
  });
  afterAll(() => {
    for (const backend of BACKENDS) setBackendStrategies(backend, {});
  });

  it('equals tfjs autograd of BN -> ReLU -> conv(kernel * mask) at every stage, on random shapes, on every backend', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        for (const [i, mask] of stageMasks(c).entries()) {
          const expected = await onBackend('cpu', () => run(c, mask, false));
          for (const backend of BACKENDS) {
            const actual = await onBackend(backend, () => run(c, mask, true));
            // Relative to the values' size: over two pixels a channel's 1 / std, and so dx, can be large.
            expected.forEach((e, j) => {
              const scale = Math.max(1, ...Array.from(e, Math.abs));
              expectClose(actual[j], e, 2e-4 * scale, `${backend} stage ${i + 1} ${NAMES[j]} ${JSON.stringify(c)}`);
            });
          }
        }
      }),
      // 200 pixels: the filter gradient's row chunks (128) and every tile remainder.
      // Two pixels: the smallest batch statistics (a counterexample of the absolute tolerance before).
      {
        numRuns: 25,
        examples: [
          [{ n: 2, h: 10, w: 10, inputs: 36, groups: 4, perGroup: 5, condenseFactor: 4, seed: 5 }],
          [{ n: 1, h: 2, w: 1, inputs: 40, groups: 4, perGroup: 2, condenseFactor: 4, seed: 1 }],
        ],
      },
    );
  });

  it('gives dropped connections a zero kernel gradient and channels no group keeps zero gamma and beta gradients', async () => {
    const c: Case = { n: 2, h: 3, w: 3, inputs: 16, groups: 4, perGroup: 2, condenseFactor: 4, seed: 7 };
    const mask = stageMasks(c)[2];
    for (const backend of BACKENDS) {
      const [, , dGamma, dBeta, dKernel] = await onBackend(backend, () => run(c, mask, true));
      const o = c.groups * c.perGroup;
      for (let j = 0; j < c.inputs; j++) {
        const keptBySome = Array.from({ length: o }, (_, out) => mask[j * o + out]).some((v) => v === 1);
        if (!keptBySome) expect([dGamma[j], dBeta[j]]).toEqual([0, 0]);
        for (let out = 0; out < o; out++) if (mask[j * o + out] === 0) expect(dKernel[j * o + out]).toBe(0);
      }
    }
  });

  it('re-packs when the mask changes and reads no layout from a mask with nothing dropped or outside the group structure', async () => {
    await useBackend('wasm');
    const c: Case = { n: 1, h: 1, w: 1, inputs: 8, groups: 4, perGroup: 1, condenseFactor: 4, seed: 3 };
    const [one, two] = stageMasks(c).map((m) => tf.tensor4d(m, [1, 1, 8, 4]));
    expect(condensedLayout(one, 4)?.k).toBe(6);
    expect(condensedLayout(two, 4)?.k).toBe(4);
    expect(condensedLayout(tf.ones([1, 1, 8, 4]), 4)).toBeNull();
    // Entry (j = 1, o = 1) dropped: outputs 1 and 5 of group 1 disagree; with one output per
    // group, group 1 keeps fewer channels than the others.
    const oneZero = (o: number) => tf.tensor4d(Float32Array.from({ length: 8 * o }, (_, i) => (i === o + 1 ? 0 : 1)), [1, 1, 8, o]);
    const [disagreeing, uneven] = [oneZero(8), oneZero(4)];
    expect(condensedLayout(disagreeing, 4)).toBeNull();
    expect(condensedLayout(uneven, 4)).toBeNull();
    tf.dispose([one, two, disagreeing, uneven]);
  });
});
