import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKENDS, onBackend, randomTensor } from '../test-support/backends.js';
import { concatChannels } from './concat-channels.js';

/** Values and gradients (of sum(y * dy)) of a channel concatenation. */
function run(shapes: number[][], seed: number, ours: boolean): tf.Tensor[] {
  const xs = shapes.map((s, i) => randomTensor(s, seed + i));
  const concat = (...ts: tf.Tensor[]) => (ours ? concatChannels(ts) : tf.concat(ts, -1));
  const y = concat(...xs);
  const dy = randomTensor(y.shape, seed + 99);
  return [y, ...tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(concat(...ts), dy)))(xs)];
}

const shapes = fc
  .tuple(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }))
  .map(([lead, channels]) => channels.map((c) => [...lead, c]));

describe('concatChannels', () => {
  it('equals tf.concat and its gradient bit for bit on random shapes, on every backend', async () => {
    await fc.assert(
      fc.asyncProperty(shapes, fc.integer({ min: 1, max: 1000 }), async (s, seed) => {
        const expected = await onBackend('cpu', () => run(s, seed, false));
        for (const backend of BACKENDS) {
          const actual = await onBackend(backend, () => run(s, seed, true));
          actual.forEach((a, i) => expect(Array.from(a), `${backend} output ${i}`).toEqual(Array.from(expected[i])));
        }
      }),
      { numRuns: 25 },
    );
  });
});
