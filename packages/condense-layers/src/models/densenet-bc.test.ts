import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BACKENDS, expectClose, randomArray, useBackend } from '../test-support/backends.js';
import { condense } from './condense.js';
import { buildDenseNetBC, condenseNetMetadata, learnedGroupConvs } from './condensenet.js';

const SMALL = { stages: [2, 2], growth: [4, 4], inputSize: 8, poolSize: 4 };

describe('DenseNet-BC baseline (same builder, G = 1, no condensation)', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: ungrouped, never prunes, and its "condensed" form computes the same features`, async () => {
      await useBackend(backend);
      const model = buildDenseNetBC(SMALL);
      const { config } = condenseNetMetadata(model);
      expect([config.group1x1, config.group3x3, config.condenseFactor]).toEqual([1, 1, 1]);
      for (const l of learnedGroupConvs(model)) {
        expect(l.advance(1)).toBe(false);
        expect(l.condensationState().mask.every((v) => v === 1)).toBe(true);
      }
      const x = tf.tensor4d(randomArray(2 * 8 * 8 * 3, 17), [2, 8, 8, 3]);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([2, 10]);
      const plain = condense(model, { condensingLinear: false });
      expectClose((plain.predict(x) as tf.Tensor).dataSync(), y.dataSync(), 1e-4, 'logits');
      model.dispose();
      plain.dispose();
    });
  }
});
