import { goldenCase } from '@condensenet/golden-fixtures';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, randomArray, useBackend } from '../test-support/backends.js';
import { nhwcInput, stateDict } from '../test-support/golden.js';
import { buildCondenseNet, setProgress } from './condensenet.js';
import { loadReferenceStateDict } from './reference.js';
import { computeGradients, groupLassoLoss } from './training.js';

const gold = goldenCase('condensenet_tiny');
const args = gold.config.args;
const config = { stages: args.stages, growth: args.growth, group1x1: 4, group3x3: 4, condenseFactor: 4 };
const LASSO = gold.config.sgd.group_lasso_lambda as number;

/** The golden SGD step 0: loss and every gradient, computed on `backend`. */
async function firstStep(backend: string): Promise<{ loss: number; lasso: number; grads: Float32Array[] }> {
  await useBackend(backend);
  const model = buildCondenseNet(config);
  loadReferenceStateDict(model, stateDict(gold, 'init.'));
  const x = nhwcInput(gold, 'sgd.x');
  const labels = tf.tensor1d(gold.ints('sgd.target'), 'int32');
  const { loss, grads } = computeGradients(model, x, labels, { progress: 0.05, lassoWeight: LASSO });
  const lasso = groupLassoLoss(model);
  const out = { loss: loss.dataSync()[0], lasso: lasso.dataSync()[0], grads: grads.map((g) => Float32Array.from(g.dataSync())) };
  tf.dispose([x, labels, loss, lasso, ...grads]);
  model.dispose();
  return out;
}

describe('training step', () => {
  it("reproduces the reference's first SGD loss, and wasm's gradients equal cpu's (1e-4)", async () => {
    const log = gold.config.sgd.log[0];
    const cpu = await firstStep('cpu');
    const wasm = await firstStep('wasm');
    for (const r of [cpu, wasm]) {
      expect(r.loss).toBeCloseTo(log.loss, 4);
      expect(r.lasso).toBeCloseTo(log.lasso_sum, 1);
    }
    expect(wasm.grads.length).toBe(cpu.grads.length);
    cpu.grads.forEach((g, i) => expectClose(wasm.grads[i], g, 1e-4, `gradient ${i}`));
  });

  // The gradients themselves are the golden tests' (above, and condense-train's 8 SGD steps).
  it("does not compute the stem's input gradient (no transposed conv of the images)", async () => {
    await useBackend('cpu');
    const model = buildCondenseNet(config);
    loadReferenceStateDict(model, stateDict(gold, 'init.'));
    const x = nhwcInput(gold, 'sgd.x');
    const labels = tf.tensor1d(gold.ints('sgd.target'), 'int32');
    // An input gradient flips its filter (Reverse): the stem's filter is [3, 3, image channels, out].
    const profile = await tf.profile(() => tf.dispose(Object.values(computeGradients(model, x, labels, { progress: 0.05 })).flat()));
    const flips = profile.kernels.filter((k) => k.name === 'Reverse').map((k) => k.inputShapes[0]?.slice(0, 3));
    expect(flips.length).toBeGreaterThan(0);
    expect(flips).not.toContainEqual([3, 3, x.shape[3]]);
    tf.dispose([x, labels]);
    model.dispose();
  });

  it('leaves tf.memory().numTensors unchanged over 50 forward/backward steps through every stage', async () => {
    await useBackend('wasm');
    const model = buildCondenseNet({ stages: [2, 2], growth: [4, 8], inputSize: 8, poolSize: 4 });
    const optimizer = tf.train.sgd(0.01);
    const x = tf.tensor4d(randomArray(4 * 8 * 8 * 3, 5), [4, 8, 8, 3]);
    const labels = tf.tensor1d([0, 1, 2, 3], 'int32');
    const step = (i: number) => {
      const { loss, grads } = computeGradients(model, x, labels, { progress: i / 50, lassoWeight: 1e-5 });
      optimizer.applyGradients(model.trainableWeights.map((w, k) => ({ name: (w.read() as tf.Variable).name, tensor: grads[k] })));
      tf.dispose([loss, ...grads]);
    };
    step(0);
    const before = tf.memory().numTensors;
    for (let i = 1; i <= 50; i++) step(i);
    expect(tf.memory().numTensors).toBe(before);
    const eval1 = model.predict(x) as tf.Tensor;
    eval1.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, labels]);
    model.dispose();
    optimizer.dispose();
  });

  it('progress is per model: setting it on one model does not condense another', async () => {
    await useBackend('cpu');
    const small = { stages: [1, 1], growth: [4, 8], inputSize: 8, poolSize: 4 };
    const a = buildCondenseNet(small);
    const b = buildCondenseNet(small);
    setProgress(a, 0.2);
    const x = tf.ones([1, 8, 8, 3]);
    tf.dispose([a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor]);
    const stage = (m: typeof a) => (m.getLayer('denseblock_1.denselayer_1.conv_1') as unknown as { condensationState(): { stage: number } }).condensationState().stage;
    expect(stage(a)).toBe(1);
    expect(stage(b)).toBe(0);
    x.dispose();
    a.dispose();
    b.dispose();
  });

  it('CondenseNet-86 trains a step on wasm (batch 2)', async () => {
    await useBackend('wasm');
    const model = buildCondenseNet('condensenet-86');
    const x = tf.tensor4d(randomArray(2 * 32 * 32 * 3, 9), [2, 32, 32, 3]);
    const labels = tf.tensor1d([3, 7], 'int32');
    const optimizer = tf.train.momentum(0.1, 0.9, true);
    const { loss, grads } = computeGradients(model, x, labels, { progress: 0.01 });
    optimizer.applyGradients(model.trainableWeights.map((w, k) => ({ name: (w.read() as tf.Variable).name, tensor: grads[k] })));
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    expect(grads.length).toBe(model.trainableWeights.length);
    tf.dispose([x, labels, loss, ...grads]);
    model.dispose();
    optimizer.dispose();
  }, 300_000);
});
