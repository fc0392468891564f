import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { buildPlan, referenceParameters, resolveConfig } from '@condensenet/core';
import { buildCondenseNet, exportReferenceStateDict } from '@condensenet/layers';
import type { ReferenceTensor } from '@condensenet/layers';
import { goldenCase } from '@condensenet/golden-fixtures';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint } from '../checkpoint/checkpoint-file.js';
import { trainableFromLayersModel } from '../model/layers-model.js';
import { runTraining } from '../run/run-training.js';
import { checkpointFromReference } from './reference-checkpoint.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tiny = goldenCase('condensenet_tiny');
const tinyConfig = resolveConfig({ stages: [2, 2, 2], growth: [4, 8, 16], data: 'cifar10' });

/** The golden training form's state_dict in the reference's order, as a torch file holds it. */
function goldenTrainingStateDict(): Map<string, ReferenceTensor> {
  const out = new Map<string, ReferenceTensor>();
  for (const p of referenceParameters(buildPlan(tinyConfig), 'training')) {
    const t = tiny.tensor(`train_form.${p.name}`);
    out.set(p.name, { shape: t.shape, data: t.data });
  }
  return out;
}

describe('checkpointFromReference', () => {
  it('holds every reference tensor, masks and condensing state included', async () => {
    const stateDict = goldenTrainingStateDict();
    const checkpoint = await checkpointFromReference({ config: tinyConfig, stateDict, imported: { source: 'golden', epoch: 8 } });
    const model = buildCondenseNet(tinyConfig);
    trainableFromLayersModel(model).importWeights(checkpoint.weights);
    const back = exportReferenceStateDict(model);
    for (const [name, tensor] of stateDict) {
      if (name.endsWith('num_batches_tracked')) continue;
      expect(Array.from(back.get(name)!.data), name).toEqual(Array.from(tensor.data));
    }
    expect(checkpoint.training).toMatchObject({ epoch: 0, iteration: 0, imported: { source: 'golden', epoch: 8 } });
    model.dispose();
  });

  it('places each momentum buffer on the parameter torch indexes it by, in the model layout', async () => {
    const stateDict = goldenTrainingStateDict();
    const roles = new Map(referenceParameters(buildPlan(tinyConfig), 'training').map((p) => [p.name, p.role]));
    const parameterNames = [...stateDict.keys()].filter((n) => /weight|bias/.test(roles.get(n)!));
    // Each buffer equal to its parameter: after the layout change, slot X must equal weight X.
    const momentum = new Map(parameterNames.map((name, k) => [k, stateDict.get(name)!]));
    const checkpoint = await checkpointFromReference({ config: tinyConfig, stateDict, momentum, imported: { source: 'golden' } });
    expect(checkpoint.optimizer).toHaveLength(parameterNames.length);
    const weights = new Map(checkpoint.weights.map((w) => [w.name, w]));
    for (const slot of checkpoint.optimizer) {
      const weight = weights.get(slot.name);
      expect(weight, slot.name).toBeDefined();
      expect(slot.shape).toEqual(weight!.shape);
      expect(Array.from(slot.values)).toEqual(Array.from(weight!.values));
    }
  });

  it('refuses a momentum buffer for a parameter the model does not have, or of the wrong shape', async () => {
    const stateDict = goldenTrainingStateDict();
    const stem = stateDict.get('features.init_conv.weight')!;
    await expect(
      checkpointFromReference({ config: tinyConfig, stateDict, momentum: new Map([[999, stem]]), imported: { source: 'x' } }),
    ).rejects.toThrow(/momentum buffer for parameter 999; the model has \d+ parameters/);
    await expect(
      checkpointFromReference({ config: tinyConfig, stateDict, momentum: new Map([[1, stem]]), imported: { source: 'x' } }),
    ).rejects.toThrow(/optimizer momentum of parameter 1 \(.*\): PyTorch shape \[8,3,3,3\] does not fit/);
  });

  it('is continued by a resumed run that takes the configuration from it', async () => {
    const config = resolveConfig({ stages: [1, 1], growth: [4, 8], inputSize: 28, inputChannels: 1, stemStride: 2, poolSize: 7, numClasses: 10 });
    const source = buildCondenseNet(config, { seed: 3 });
    const stateDict = exportReferenceStateDict(source);
    source.dispose();
    const dir = mkdtempSync(join(tmpdir(), 'finetune-'));
    writeCheckpoint(join(dir, 'last.ckpt'), await checkpointFromReference({ config, stateDict, imported: { source: 'test.pth' } }));
    const lines: string[] = [];
    const run = await runTraining({
      data: 'fashion-mnist',
      backend: 'cpu',
      trainLimit: 32,
      testLimit: 16,
      hooks: { write: (t) => lines.push(t), interactive: false },
      train: { outDir: dir, epochs: 1, batchSize: 16, maxIterations: 1, resume: true, workers: 1 },
    });
    expect(lines.join('')).toMatch(/fine-tuning .*last\.ckpt \(imported from test\.pth\)/);
    expect(run.config).toEqual(config);
    expect(run.result.iteration).toBe(1);
    run.model.dispose();
    const saved = readCheckpoint(join(dir, 'last.ckpt'));
    expect((saved.training as { iterator?: unknown }).iterator).toBeDefined();
  }, 120_000);
});
