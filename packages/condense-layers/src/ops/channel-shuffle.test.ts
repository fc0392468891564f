import { goldenCase } from '@condensenet/golden-fixtures';
import { nchwToNhwc } from '@condensenet/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { BACKENDS, expectClose, onBackend } from '../test-support/backends.js';
import { channelShuffle } from './channel-shuffle.js';

describe('channelShuffle', () => {
  it('matches the reference ShuffleLayer (golden `shuffle`) on every backend', async () => {
    const gold = goldenCase('shuffle');
    const x = gold.tensor('x');
    const y = gold.tensor('y');
    const xNhwc = nchwToNhwc(x.data as Float32Array, x.shape as [number, number, number, number]);
    const yNhwc = nchwToNhwc(y.data as Float32Array, y.shape as [number, number, number, number]);
    const [n, c, h, w] = x.shape;
    for (const backend of BACKENDS) {
      const [out] = await onBackend(backend, () => [channelShuffle(tf.tensor4d(xNhwc, [n, h, w, c]), 4)]);
      expectClose(out, yNhwc, 0, backend);
    }
  });
});
