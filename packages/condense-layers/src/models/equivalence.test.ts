import { resolveConfig, type CondenseNetConfig } from '@condensenet/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seededRandom } from '@condensenet/golden-fixtures';
import { describe, it } from 'vitest';
import { BACKENDS, expectClose, randomArray, useBackend } from '../test-support/backends.js';
import { condense } from './condense.js';
import { buildCondenseNet, learnedGroupConvs } from './condensenet.js';
import { exportReferenceStateDict, loadReferenceStateDict } from './reference.js';

/** Groups and condense factor per case: C = G, C > G (lasso stops early), C < G. */
const GROUPS: Record<number, [number, number]> = { 1: [4, 4], 2: [2, 4], 3: [4, 2] };

/** A random valid configuration with small inputs (16x16 or 8x8) so tests stay fast. */
function randomConfig(seed: number): CondenseNetConfig {
  const r = seededRandom(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const [g, c] = GROUPS[seed];
  for (;;) {
    const blocks = pick([2, 3]);
    const base = pick([4, 8]);
    try {
      return resolveConfig({
        stages: Array.from({ length: blocks }, () => pick([1, 2, 3])),
        growth: Array.from({ length: blocks }, (_, i) => base * 2 ** i),
        bottleneck: pick([2, 4]),
        group1x1: g,
        group3x3: pick([1, 2, 4]),
        condenseFactor: c,
        dropout: pick([0, 0.1]),
        numClasses: pick([3, 10]),
        inputSize: 2 ** (blocks + 1),
        poolSize: 4,
      });
    } catch {
      // Not every draw satisfies the divisibility rules; core says which do.
    }
  }
}

/** Random weights, BN parameters and statistics in every slot of the reference's state dict. */
function randomize(model: tfl.LayersModel, seed: number): void {
  const dict = exportReferenceStateDict(model);
  let k = seed;
  for (const [name, t] of dict) {
    if (name.endsWith('num_batches_tracked') || /_mask|_count|_stage/.test(name)) {
      dict.delete(name);
      continue;
    }
    const data = randomArray(t.data.length, k++, 0.5);
    if (name.endsWith('running_var') || name.endsWith('norm.weight')) data.forEach((v, i) => (data[i] = 0.5 + Math.abs(v) * 2));
    dict.set(name, { shape: t.shape, data });
  }
  for (const [name, t] of exportReferenceStateDict(model)) if (/_mask|_count|_stage/.test(name)) dict.set(name, t);
  loadReferenceStateDict(model, dict);
}

/** Drives every learned group conv through each stage, one prune per stage, like training does. */
function condenseMasks(model: tfl.LayersModel): void {
  for (const layer of learnedGroupConvs(model)) {
    const c = layer.condenseFactor;
    for (let s = 1; s < c; s++) layer.advance(s / (2 * (c - 1)));
  }
}

describe('training form == condensed form', () => {
  for (const backend of BACKENDS) {
    for (const seed of [1, 2, 3]) {
      it(`${backend}, random config ${seed}: features always, logits without the condensing linear (1e-4)`, async () => {
        await useBackend(backend);
        const config = randomConfig(seed);
        const model = buildCondenseNet(config);
        randomize(model, seed * 1000);
        condenseMasks(model);
        const x = tf.tensor4d(randomArray(2 * config.inputSize ** 2 * 3, seed + 7), [2, config.inputSize, config.inputSize, 3]);
        const features = (m: tfl.LayersModel) =>
          tfl.model({ inputs: m.inputs, outputs: m.getLayer('flatten').output as tfl.SymbolicTensor }).predict(x) as tf.Tensor;
        const exact = condense(model, { condensingLinear: false });
        const withLinear = condense(model);
        const f0 = features(model);
        expectClose(features(exact).dataSync(), f0.dataSync(), 1e-4, `features ${JSON.stringify(config)}`);
        expectClose(features(withLinear).dataSync(), f0.dataSync(), 1e-4, 'features, condensing linear');
        const y0 = model.predict(x) as tf.Tensor;
        expectClose((exact.predict(x) as tf.Tensor).dataSync(), y0.dataSync(), 1e-4, 'logits');
        for (const m of [model, exact, withLinear]) m.dispose();
      });
    }
  }

  it('refuses to condense a model that has not finished condensing, naming the layer', async () => {
    await useBackend('cpu');
    const model = buildCondenseNet({ stages: [1, 1], growth: [4, 8], inputSize: 8, poolSize: 4 });
    let message = '';
    try {
      condense(model);
    } catch (e) {
      message = String(e);
    }
    if (!/denseblock_1\.denselayer_1\.conv_1/.test(message)) throw new Error(`unexpected: ${message}`);
    model.dispose();
  });
});
