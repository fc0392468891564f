import { goldenCase, type GoldenCase } from '@condensenet/golden-fixtures';
import { nchwToNhwc, nhwcToNchw } from '@condensenet/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { BACKENDS, expectClose, useBackend } from '../test-support/backends.js';
import { assignReferenceTensor, readReferenceTensor } from '../models/reference-tensor.js';
import { LearnedGroupConv } from './learned-group-conv.js';
import { CondensedConv } from './condensed-conv.js';

type Shape4 = [number, number, number, number];

function nhwc(gold: GoldenCase, name: string): tf.Tensor4D {
  const t = gold.tensor(name);
  const [n, c, h, w] = t.shape;
  return tf.tensor4d(nchwToNhwc(t.data as Float32Array, t.shape as Shape4), [n, h, w, c]);
}

function toNchw(y: tf.Tensor): Float32Array {
  const [n, h, w, c] = y.shape;
  return nhwcToNchw(y.dataSync() as Float32Array, [n, h, w, c]);
}

function load(layer: CondensedConv | LearnedGroupConv, gold: GoldenCase, prefix: string, names: string[]): void {
  for (const name of names) assignReferenceTensor(layer, name, gold.tensor(prefix + name));
}

const NORM = ['norm.weight', 'norm.bias', 'norm.running_mean', 'norm.running_var'];

for (const caseName of ['lgc_drop', 'lgc_g2c4'] as const) {
  describe(`LearnedGroupConv against golden ${caseName}`, () => {
    for (const backend of BACKENDS) {
      it(`${backend}: masks, counts, stages, lasso and train-mode outputs step by step; then the condensed layer`, async () => {
        await useBackend(backend);
        const gold = goldenCase(caseName);
        const { groups, condense_factor: condenseFactor } = gold.config.ctor;
        const lgc = new LearnedGroupConv({ filters: 16, groups, condenseFactor, name: 'lgc' });
        lgc.apply(tfl.input({ shape: [5, 5, 24] }));
        load(lgc, gold, '', ['conv.weight', 'norm.weight', 'norm.bias']);
        const progress: number[] = gold.config.progress;
        progress.forEach((p, s) => {
          lgc.progress = p;
          const y = tf.tidy(() => lgc.apply(nhwc(gold, `step${s}.x`), { training: true }) as tf.Tensor);
          expectClose(toNchw(y), gold.floats(`step${s}.y_train_mode`), 1e-5, `step ${s} y`);
          y.dispose();
          expect(readReferenceTensor(lgc, '_mask').data).toEqual(gold.floats(`step${s}._mask`));
          expect(readReferenceTensor(lgc, '_count').data).toEqual(gold.floats(`step${s}._count`));
          expect(readReferenceTensor(lgc, '_stage').data).toEqual(gold.floats(`step${s}._stage`));
          const lasso = lgc.groupLasso();
          expect(lasso.dataSync()[0]).toBeCloseTo(gold.floats(`step${s}.lasso_loss`)[0], 3);
          expect(lgc.groupLassoReference()).toBeCloseTo(lasso.dataSync()[0], 3);
          lasso.dispose();
        });
        for (const name of ['norm.running_mean', 'norm.running_var']) {
          expectClose(readReferenceTensor(lgc, name).data, gold.floats(`final.${name}`), 1e-5, name);
        }

        const prefix = caseName === 'lgc_drop' ? '' : 'convert.';
        const conv = caseName === 'lgc_drop' ? goldenCase('lgc_convert') : gold;
        load(lgc, conv, `${prefix}src.`, ['conv.weight', '_mask', '_stage', '_count', ...NORM]);
        const x = nhwc(conv, `${prefix}x`);
        const yOrig = lgc.apply(x) as tf.Tensor;
        expectClose(toNchw(yOrig), conv.floats(`${prefix}y_original_eval`), 1e-5, 'eval');

        const selected = conv.tensor(`${prefix}converted.index`).shape[0];
        const cc = new CondensedConv({ filters: 16, groups, selected, name: 'cc' });
        cc.apply(tfl.input({ shape: [5, 5, 24] }));
        load(cc, conv, `${prefix}converted.`, ['index', 'conv.weight', ...NORM]);
        const yConv = cc.apply(x) as tf.Tensor;
        expectClose(toNchw(yConv), conv.floats(`${prefix}y_converted`), 1e-5, 'converted');
        tf.dispose([x, yOrig, yConv]);
      });

      it(`${backend}: advanceAsync before each step, with the forward's own catch-up off, takes the same steps`, async () => {
        await useBackend(backend);
        const gold = goldenCase(caseName);
        const { groups, condense_factor: condenseFactor } = gold.config.ctor;
        const lgc = new LearnedGroupConv({ filters: 16, groups, condenseFactor, name: 'lgc_async' });
        lgc.apply(tfl.input({ shape: [5, 5, 24] }));
        load(lgc, gold, '', ['conv.weight', 'norm.weight', 'norm.bias']);
        lgc.autoAdvance = false;
        const progress: number[] = gold.config.progress;
        let pruned = 0;
        for (const [s, p] of progress.entries()) {
          lgc.progress = p;
          if (await lgc.advanceAsync()) pruned++;
          const y = tf.tidy(() => lgc.apply(nhwc(gold, `step${s}.x`), { training: true }) as tf.Tensor);
          expectClose(toNchw(y), gold.floats(`step${s}.y_train_mode`), 1e-5, `step ${s} y`);
          y.dispose();
          expect(readReferenceTensor(lgc, '_mask').data).toEqual(gold.floats(`step${s}._mask`));
          expect(readReferenceTensor(lgc, '_stage').data).toEqual(gold.floats(`step${s}._stage`));
          expect(lgc.currentStage()).toBe(gold.floats(`step${s}._stage`)[0]);
        }
        expect(pruned).toBe(gold.floats(`step${progress.length - 1}._stage`)[0]);
      });

      it(`${backend}: a forward with autoAdvance off never prunes, whatever the progress`, async () => {
        await useBackend(backend);
        const gold = goldenCase(caseName);
        const { groups, condense_factor: condenseFactor } = gold.config.ctor;
        const lgc = new LearnedGroupConv({ filters: 16, groups, condenseFactor, name: 'lgc_off' });
        lgc.apply(tfl.input({ shape: [5, 5, 24] }));
        lgc.autoAdvance = false;
        lgc.progress = 0.9;
        tf.dispose(lgc.apply(nhwc(gold, 'step0.x'), { training: true }) as tf.Tensor);
        expect(lgc.currentStage()).toBe(0);
        lgc.autoAdvance = true;
        tf.dispose(lgc.apply(nhwc(gold, 'step0.x'), { training: true }) as tf.Tensor);
        expect(lgc.currentStage()).toBe(condenseFactor - 1);
      });
    }
  });
}
