import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('condense summary', () => {
  it('prints integer training and condensed counts as JSON', async () => {
    const { code, out } = await run('summary', '--preset', 'condensenet-86', '--json');
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json.model).toMatchObject({ name: 'CondenseNet-86', depth: 86 });
    expect(json.condensed).toMatchObject({ flops: 65812394, params: 516202 });
    expect(json.training).toMatchObject({ flops: 65816394, params: 520202 });
    expect(json.executed.flops).toBeGreaterThan(json.training.flops);
    for (const form of ['training', 'condensed', 'executed']) {
      expect(Number.isInteger(json[form].flops) && Number.isInteger(json[form].params)).toBe(true);
    }
  });

  it('takes the reference command line flags and agrees with the preset', async () => {
    const flags = await run(
      'summary', '--stages', '14-14-14', '--growth', '8-16-32', '--bottleneck', '4',
      '--group-1x1', '4', '--group-3x3', '4', '--condense-factor', '4', '--data', 'cifar10', '--json',
    );
    const preset = await run('summary', '--preset', 'condensenet-86', '--json');
    expect(JSON.parse(flags.out).condensed).toEqual(JSON.parse(preset.out).condensed);
  });

  it('sets classes from --data and --num-classes', async () => {
    const c100 = JSON.parse((await run('summary', '--preset', 'condensenet-86', '--data', 'cifar100', '--json')).out);
    expect(c100.model.config.numClasses).toBe(100);
    const c7 = JSON.parse((await run('summary', '--preset', 'condensenet-86', '--num-classes', '7', '--json')).out);
    expect(c7.model.config.numClasses).toBe(7);
    const imagenet = JSON.parse((await run('summary', '--preset', 'condensenet-74-c4', '--json')).out);
    expect(imagenet.condensed.flops).toBe(529328264);
  });

  it('prints a readable table with a total row', async () => {
    const { code, out } = await run('summary', '--preset', 'condensenet-86');
    expect(code).toBe(0);
    expect(out).toMatch(/^CondenseNet-86: cifar10, 32x32x3 input, 10 classes/);
    expect(out).toMatch(/denseblock_1\s+16 -> 128\s+32x32/);
    expect(out).toMatch(/total\s+65\.82M\s+65\.81M/);
  });

  it.each([
    [['summary', '--preset', 'nope'], /--preset nope: unknown preset; known presets: condensenet-50/],
    [['summary', '--stages', '14-x-14', '--growth', '8-16-32'], /--stages 14-x-14: expected positive integers joined by '-'/],
    [['summary', '--stages', '14-14-14', '--growth', '8-16'], /invalid model: \(--growth\) growth = \[8, 16\]: must have one entry per block/],
    [['summary', '--preset', 'condensenet-86', '--condense-factor', '32'], /\(--growth\) growth\[0\] = 8: denseblock_1.denselayer_1 has 16 input channels, not divisible by condenseFactor = 32/],
    [['summary', '--preset', 'condensenet-86', '--data', 'svhn'], /--data svhn: expected one of cifar10, cifar100, imagenet/],
    [['summary', '--preset', 'condensenet-86', '--bogus'], /Unknown option '--bogus'/],
    [['summary', '--growth', '8-16-32'], /give a model: --preset NAME, or --stages and --growth/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('rejects %j with exit code 2 and one line', async (argv, message) => {
    const { code, err, out } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(out).toBe('');
  });

  it('shows help', async () => {
    expect((await run('summary', '--help')).out).toMatch(/--group-1x1 N/);
    expect((await run('--help')).out).toMatch(/Commands:/);
  });
});

describe('the built condense binary', () => {
  const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

  it('runs summary and exits 2 on bad flags without a stack trace', () => {
    expect(existsSync(bin)).toBe(true);
    const json = JSON.parse(execFileSync(process.execPath, [bin, 'summary', '--preset', 'condensenet-50', '--json'], { encoding: 'utf8' }));
    expect(json.condensed.flops).toBeGreaterThan(0);
    const bad = spawnSync(process.execPath, [bin, 'summary', '--stages', '1-2'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});
