import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCondenseNet } from '@condensenet/layers';
import { fileHandler } from '@condensenet/layers/node';
import { evaluateSaved } from './evaluate-saved.js';
import { runTraining } from './run-training.js';

describe('runTraining', () => {
  it('trains a CondenseNet on a slice of Fashion-MNIST, condenses it and evaluates both forms', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'run-'));
    const lines: string[] = [];
    const run = await runTraining({
      data: 'fashion-mnist',
      model: { stages: [1, 1, 1], growth: [4, 8, 16] },
      train: { outDir, epochs: 2, batchSize: 16, evalBatchSize: 32 },
      backend: 'wasm',
      trainLimit: 64,
      testLimit: 32,
      hooks: { write: (t) => lines.push(t), interactive: false },
    });
    expect(run.backend).toEqual({ name: 'wasm' });
    expect(run.config).toMatchObject({ inputSize: 28, inputChannels: 1, poolSize: 7, stemStride: 1, numClasses: 10 });
    expect(run.result.status).toBe('finished');
    expect(run.result.iteration).toBe(8);
    expect(run.result.history.condensingSteps.map((s) => s.stage)).toEqual([1, 2, 3]);
    expect(run.training!.evaluation.examples).toBe(32);
    expect(run.condensed!.evaluation.examples).toBe(32);
    expect(run.condensed!.flops).toBeLessThan(run.training!.flops);
    expect(run.condensed!.params).toBeLessThan(run.training!.params);
    for (const f of [run.result.files.checkpoint, run.result.files.log, run.result.files.curve!]) expect(existsSync(f)).toBe(true);
    const saved = await loadCondenseNet(fileHandler(run.condensedDir!));
    expect((saved.getUserDefinedMetadata() as Record<string, { name: string }>).dataset.name).toBe('fashion-mnist');
    saved.dispose();
    expect(lines.join('')).toMatch(/epoch 2\/2 .*img\/s/);
    // The training form's figures are the last epoch's; the condensed form's come from the runtime
    // artifact's session: both agree with tfjs-layers evaluations of the saved files.
    const fromCheckpoint = await evaluateSaved(run.result.files.checkpoint, 'fashion-mnist', { testLimit: 32, batchSize: 32 });
    const fromLayers = await evaluateSaved(run.condensedDir!, 'fashion-mnist', { testLimit: 32, batchSize: 32 });
    expect(run.training!.evaluation).toEqual(run.result.final);
    expect(run.training!.evaluation.top1).toBe(fromCheckpoint.training!.top1);
    expect(run.training!.evaluation.loss).toBeCloseTo(fromCheckpoint.training!.loss, 4);
    expect(run.condensed!.evaluation.top1).toBe(fromLayers.condensed!.top1);
    expect(run.condensed!.evaluation.top5).toBe(fromLayers.condensed!.top5);
    expect(run.condensed!.evaluation.loss).toBeCloseTo(fromLayers.condensed!.loss, 4);
    run.model.dispose();
    run.condensedModel!.dispose();
  }, 120_000);

  it('reproduces a run from its seed (weights, data order, augmentation), with a chosen stem stride', async () => {
    const once = async (seed: number) => {
      const run = await runTraining({
        data: 'fashion-mnist',
        model: { stages: [1, 1, 1], growth: [4, 8, 16], stemStride: 2 },
        train: { outDir: mkdtempSync(join(tmpdir(), 'seeded-')), epochs: 2, batchSize: 16, evalBatchSize: 32, seed },
        backend: 'wasm',
        trainLimit: 32,
        testLimit: 16,
        hooks: { write: () => {}, interactive: false },
      });
      const weights = run.model.getWeights().map((w) => Array.from(w.dataSync()));
      run.model.dispose();
      run.condensedModel!.dispose();
      return { config: run.config, losses: run.result.history.epochs.map((e) => e.trainLoss), weights };
    };
    const a = await once(5);
    expect(a.config).toMatchObject({ stemStride: 2, poolSize: 3 });
    const b = await once(5);
    expect(b.losses).toEqual(a.losses);
    expect(b.weights).toEqual(a.weights);
    expect((await once(6)).losses).not.toEqual(a.losses);
  }, 120_000);

  it('names a bad data spec', async () => {
    await expect(
      runTraining({ data: 'svhn', model: { stages: [1], growth: [4] }, train: { outDir: tmpdir() }, backend: 'cpu' }),
    ).rejects.toThrow(/unknown dataset 'svhn'/);
  });
});
