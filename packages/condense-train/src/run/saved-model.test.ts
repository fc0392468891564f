import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateSaved } from './evaluate-saved.js';
import { runTraining } from './run-training.js';
import { convertCheckpoint, loadSavedModel } from './saved-model.js';

const quiet = { write: () => {}, interactive: false };
const model = { stages: [1, 1, 1], growth: [4, 8, 16] };
let finished: string;
let early: string;

beforeAll(async () => {
  finished = mkdtempSync(join(tmpdir(), 'saved-'));
  const done = await runTraining({
    data: 'fashion-mnist', model, backend: 'wasm', trainLimit: 48, testLimit: 32, hooks: quiet,
    train: { outDir: finished, epochs: 1, batchSize: 16 },
  });
  done.model.dispose();
  done.condensedModel?.dispose();
  early = mkdtempSync(join(tmpdir(), 'saved-'));
  const stopped = await runTraining({
    data: 'fashion-mnist', model, backend: 'wasm', trainLimit: 48, testLimit: 32, hooks: quiet,
    train: { outDir: early, epochs: 4, batchSize: 16, maxIterations: 1 },
  });
  stopped.model.dispose();
}, 120_000);

describe('convertCheckpoint', () => {
  it('writes the condensed model with its data description', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'convert-')), 'model');
    const { model } = await convertCheckpoint(join(finished, 'last.ckpt'), out);
    expect(existsSync(join(out, 'model.json'))).toBe(true);
    model.dispose();
    const loaded = await loadSavedModel(out);
    expect(loaded.form).toBe('condensed');
    expect(loaded.dataset?.name).toBe('fashion-mnist');
    loaded.model.dispose();
  });

  it('refuses a checkpoint whose layers have not finished condensing', async () => {
    await expect(convertCheckpoint(join(early, 'last.ckpt'), join(early, 'out'))).rejects.toThrow(
      new RegExp(`^${join(early, 'last.ckpt')}: .*stage`),
    );
  });
});

describe('evaluateSaved', () => {
  it('evaluates both forms of a finished checkpoint', async () => {
    const result = await evaluateSaved(finished, 'fashion-mnist', { testLimit: 500 });
    expect(result.training!.examples).toBe(500);
    expect(result.condensed!.examples).toBe(500);
    expect(result.note).toBeUndefined();
  }, 120_000);

  it('evaluates a saved condensed model and says why only that form', async () => {
    const result = await evaluateSaved(join(finished, 'condensed'), 'mnist', { testLimit: 300 });
    expect(result.condensed!.examples).toBe(300);
    expect(result.training).toBeUndefined();
    expect(result.note).toMatch(/condensed model/);
  }, 120_000);

  it('names a data set of the wrong shape and files that are not models', async () => {
    const cifar = mkdtempSync(join(tmpdir(), 'cifar-'));
    await expect(evaluateSaved(finished, `cifar10:${cifar}`)).rejects.toThrow(/data_batch_1\.bin|test_batch\.bin/);
    const junk = join(cifar, 'junk.ckpt');
    writeFileSync(junk, 'not a checkpoint');
    await expect(evaluateSaved(junk, 'mnist')).rejects.toThrow(`${junk}: not a usable CondenseNet checkpoint`);
    await expect(evaluateSaved(join(cifar, 'missing'), 'mnist')).rejects.toThrow(/missing: no such file or directory/);
  });
});
