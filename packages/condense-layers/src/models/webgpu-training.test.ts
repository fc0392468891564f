import { describeNeeding, exposeDawnGpu, goldenCase, INSTALL_MESA, type Requirement } from '@condensenet/golden-fixtures';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { expectClose, useBackend } from '../test-support/backends.js';
import { nhwcInput, stateDict } from '../test-support/golden.js';
import { buildCondenseNet, learnedGroupConvs } from './condensenet.js';
import { loadReferenceStateDict } from './reference.js';
import { computeGradients } from './training.js';

/** tfjs's webgpu backend on Dawn: a GPU where there is one, else Mesa's software renderer. */
async function webgpuBackend(): Promise<Requirement> {
  const dawn = await exposeDawnGpu();
  if ('missing' in dawn) return dawn;
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) return { missing: 'tf.setBackend("webgpu") failed on the Dawn adapter', install: INSTALL_MESA };
  return dawn;
}

const gold = goldenCase('condensenet_tiny');
const args = gold.config.args;
const config = { stages: args.stages, growth: args.growth, group1x1: 4, group3x3: 4, condenseFactor: 4 };

/** Loss, every gradient and the masks after one training step at `progress`, on `backend`. */
async function step(backend: string, progress: number): Promise<{ loss: number; grads: Float32Array[]; masks: Float32Array[] }> {
  await useBackend(backend);
  const model = buildCondenseNet(config);
  loadReferenceStateDict(model, stateDict(gold, 'init.'));
  const x = nhwcInput(gold, 'sgd.x');
  const labels = tf.tensor1d(gold.ints('sgd.target'), 'int32');
  const { loss, grads } = computeGradients(model, x, labels, { progress, lassoWeight: 0 });
  // Node's webgpu backend cannot read synchronously (tfjs reads through an OffscreenCanvas there).
  const out = {
    loss: (await loss.data())[0],
    grads: await Promise.all(grads.map(async (g) => Float32Array.from(await g.data()))),
    masks: await Promise.all(
      learnedGroupConvs(model).flatMap((l) => l.weights.filter((w) => w.originalName.endsWith('/mask'))).map(async (w) => Float32Array.from(await w.read().data())),
    ),
  };
  tf.dispose([x, labels, loss, ...grads]);
  model.dispose();
  return out;
}

const webgpu = await webgpuBackend();

/**
 * The training path's custom gradients on webgpu, which has none of this package's kernels: each
 * op falls back to stock tfjs ops there. Before any pruning, and past two condensing stages
 * (C = 4: half of every learned group conv's connections gone).
 */
describeNeeding(webgpu, 'training on the webgpu backend', () => {
  for (const progress of [0.05, 0.4]) {
    it(`gives cpu's loss, gradients and masks at progress ${progress}`, async () => {
      const cpu = await step('cpu', progress);
      const gpu = await step('webgpu', progress);
      expect(gpu.loss).toBeCloseTo(cpu.loss, 4);
      expect(cpu.masks.length).toBe(args.stages.reduce((a: number, b: number) => a + b, 0));
      gpu.masks.forEach((m, i) => expect(Array.from(m)).toEqual(Array.from(cpu.masks[i])));
      if (progress > 0.34) expect(cpu.masks.some((m) => m.includes(0))).toBe(true);
      expect(gpu.grads.length).toBe(cpu.grads.length);
      cpu.grads.forEach((g, i) => expectClose(gpu.grads[i], g, 1e-3, `gradient ${i}`));
    }, 120_000);
  }

  it('prunes at a stage boundary after SGD steps have left the weights on the GPU, reading them back asynchronously', async () => {
    await useBackend('webgpu');
    const model = buildCondenseNet(config);
    loadReferenceStateDict(model, stateDict(gold, 'init.'));
    // Node's webgpu backend cannot read synchronously: the loop prunes before each step instead of the forward.
    const layers = learnedGroupConvs(model);
    for (const layer of layers) layer.autoAdvance = false;
    const x = nhwcInput(gold, 'sgd.x');
    const labels = tf.tensor1d(gold.ints('sgd.target'), 'int32');
    const optimizer = tf.train.sgd(0.1);
    for (const progress of [0.05, 0.1, 0.2]) {
      for (const layer of layers) await layer.advanceAsync(progress);
      const { loss, grads } = computeGradients(model, x, labels, { progress, lassoWeight: 0 });
      optimizer.applyGradients(model.trainableWeights.map((w, k) => ({ name: (w.read() as tf.Variable).name, tensor: grads[k] })));
      expect(Number.isFinite((await loss.data())[0])).toBe(true);
      tf.dispose([loss, ...grads]);
    }
    expect(layers.map((l) => l.currentStage())).toEqual(layers.map(() => 1));
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
  }, 120_000);
});
