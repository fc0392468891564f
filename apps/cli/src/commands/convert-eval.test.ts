import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let runDir: string;

beforeAll(async () => {
  runDir = mkdtempSync(join(tmpdir(), 'cli-run-'));
  const trained = await run(
    'train', '--stages', '1-1-1', '--growth', '4-8-16', '--epochs', '1', '-b', '16',
    '--train-limit', '32', '--test-limit', '16', '--out', runDir, '--json',
  );
  expect(trained.code).toBe(0);
}, 120_000);

describe('condense convert', () => {
  it('writes the condensed model of a checkpoint', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cli-convert-')), 'm');
    const { code, out: text } = await run('convert', join(runDir, 'last.ckpt'), '--out', out, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(text)).toMatchObject({ out, artifact: join(out, 'model.cnn.json') });
    expect(existsSync(join(out, 'weights.bin'))).toBe(true);
    expect(existsSync(join(out, 'model.cnn.bin'))).toBe(true);
  });

  it.each([
    [['convert', '--out', 'x'], /expected one CHECKPOINT/],
    [['convert', 'a.ckpt'], /--out DIR is required/],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it('names a file that is not a checkpoint (exit 1)', async () => {
    const { code, err } = await run('convert', join(runDir, 'log.jsonl'), '--out', join(runDir, 'x'));
    expect(code).toBe(1);
    expect(err).toMatch(/log\.jsonl: not a usable CondenseNet checkpoint/);
  });
});

describe('condense eval', () => {
  it('reports both forms of a checkpoint', async () => {
    const { code, out } = await run('eval', runDir, '--data', 'fashion-mnist', '--test-limit', '200');
    expect(code).toBe(0);
    expect(out).toMatch(/training form\s+\d+\.\d\d%/);
    expect(out).toMatch(/condensed form\s+\d+\.\d\d%/);
  });

  it('evaluates a runtime artifact through the runtime, as the saved condensed model scores', async () => {
    const flags = ['--data', 'fashion-mnist', '--test-limit', '200', '--backend', 'wasm', '--json'];
    const artifact = await run('eval', join(runDir, 'condensed', 'model.cnn.json'), ...flags);
    expect(artifact.err).toBe('');
    const result = JSON.parse(artifact.out);
    expect(result).toMatchObject({ source: join(runDir, 'condensed', 'model.cnn.json'), condensed: { examples: 200 } });
    expect(result.training).toBeUndefined();
    const layers = JSON.parse((await run('eval', join(runDir, 'condensed'), ...flags)).out);
    expect(result.condensed.top1).toBeCloseTo(layers.condensed.top1, 2);
    expect(result.condensed.loss).toBeCloseTo(layers.condensed.loss, 3);
  });

  it('needs --data', async () => {
    const { code, err } = await run('eval', runDir);
    expect(code).toBe(2);
    expect(err).toMatch(/--data SPEC is required/);
  });
});

describe('condense show', () => {
  it('draws the same connectivity from a checkpoint, the saved condensed model and its runtime artifact', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cli-show-'));
    const pictures: Buffer[] = [];
    for (const [name, model] of [['ckpt', join(runDir, 'last.ckpt')], ['saved', join(runDir, 'condensed')], ['artifact', join(runDir, 'condensed', 'model.cnn.json')]]) {
      const file = join(out, `${name}.png`);
      const { code, out: text, err } = await run('show', model, '--out', file);
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(text).toBe(`wrote ${file}: 3 condensed layers and the classifier`);
      pictures.push(readFileSync(file));
    }
    expect(pictures[1].equals(pictures[0])).toBe(true);
    expect(pictures[2].equals(pictures[0])).toBe(true);
    const png = PNG.sync.read(pictures[0]);
    expect(png.width).toBeGreaterThan(300);
    expect(png.height).toBeGreaterThan(200);
  });

  it.each([
    [['show', '--out', 'x.png'], /expected one MODEL/],
    [['show', 'm'], /--out FILE\.png is required/],
    [['show', 'm', '--out', 'x.jpg'], /--out x\.jpg: expected a \.png file name/],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});
