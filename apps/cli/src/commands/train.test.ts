import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('condense train', () => {
  it('trains, condenses and reports both forms as JSON', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cli-train-'));
    const { code, out: text } = await run(
      'train', '--data', 'fashion-mnist', '--stages', '1-1-1', '--growth', '4-8-16',
      '--epochs', '1', '-b', '16', '--train-limit', '48', '--test-limit', '32', '--out', out, '--json',
    );
    expect(code).toBe(0);
    const report = JSON.parse(text);
    expect(report.status).toBe('finished');
    expect(report.backend.name).toBe('wasm');
    expect(report.iterations).toBe(3);
    expect(report.condensed.flops).toBeLessThan(report.training.flops);
    expect(report.training.top1).toBeGreaterThanOrEqual(0);
    for (const f of ['last.ckpt', 'log.jsonl', 'learning-curve.png', 'condensed/model.json', 'condensed/weights.bin', 'condensed/model.cnn.json', 'condensed/model.cnn.bin']) {
      expect(existsSync(join(out, f))).toBe(true);
    }
  }, 120_000);

  it.each([
    [['train', '--backend', 'tpu'], /--backend tpu: expected one of auto, tensorflow/],
    [['train', '--epochs', '0'], /--epochs 0: expected an integer >= 1/],
    [['train', '--lr', 'fast'], /--lr fast: expected a non-negative number/],
    [['train', '--workers', '0'], /--workers 0: expected an integer >= 1 or auto/],
    [['train', '--workers', 'two'], /--workers two: expected an integer >= 1 or auto/],
    [['train', '--stages', '1-1-1', '--growth', '4-8-16', '--condense-factor', '3'], /invalid model: \(--growth\)/],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it('trains with --workers 2 and resumes with them', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cli-train-'));
    const flags = (epochs: string) =>
      ['train', '--stages', '1-1-1', '--growth', '4-8-16', '--epochs', epochs, '-b', '16', '--train-limit', '48', '--test-limit', '32', '--out', out, '--workers', '2', '--json'];
    const first = await run(...flags('1'));
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ status: 'finished', iterations: 3, workers: 2 });
    const again = await run(...flags('2'), '--resume');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ status: 'finished', iterations: 6 });
  }, 120_000);

  it('names an unknown data set', async () => {
    const { code, err } = await run('train', '--data', 'svhn', '--out', mkdtempSync(join(tmpdir(), 'cli-train-')));
    expect(code).toBe(1);
    expect(err).toMatch(/unknown dataset 'svhn'; expected 'fashion-mnist', 'mnist'/);
  });
});
