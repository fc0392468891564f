import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCondenseNet } from '@condensenet/layers';
import { attachDataset } from '@condensenet/train';
import '@tensorflow/tfjs-backend-cpu';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { writeRuntimeArtifact } from '@condensenet/train';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function writePng(file: string, width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): string {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      png.data.set([...pixel(x, y), 255], 4 * (y * width + x));
    }
  }
  writeFileSync(file, PNG.sync.write(png));
  return file;
}

let dir: string;
const CLASSES = ['shirt', 'shoe', 'bag'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-predict-'));
  // A grayscale 8x8 model, so RGB files are turned into luminance on the way in.
  const model = buildCondenseNet({ stages: [1, 1], growth: [4, 8], inputSize: 8, inputChannels: 1, poolSize: 4, numClasses: 3 }, { form: 'condensed' });
  attachDataset(model, { name: 'toy', numClasses: 3, classNames: CLASSES, height: 8, width: 8, channels: 1, mean: [0.5], std: [0.25], trainSize: 0, testSize: 0 });
  await writeRuntimeArtifact(model, dir);
  model.dispose();
});

describe('condense predict', () => {
  it('prints the top classes of PNG files, resizing those of another size', async () => {
    const a = writePng(join(dir, 'a.png'), 8, 8, (x, y) => [x * 30, y * 30, 90]);
    const b = writePng(join(dir, 'b.png'), 20, 12, (x) => [x * 10, 0, 200]);
    const { code, out, err } = await run('predict', dir, a, b, '--top', '2', '--backend', 'cpu', '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ backend: 'cpu', path: 'js-kernels' });
    expect(result.images.map((i: { file: string }) => i.file)).toEqual([a, b]);
    for (const { top } of result.images) {
      expect(top).toHaveLength(2);
      expect(CLASSES).toContain(top[0].className);
      expect(top[0].probability).toBeGreaterThanOrEqual(top[1].probability);
    }
    const text = await run('predict', join(dir, 'model.cnn.json'), a, '--backend', 'cpu');
    expect(text.out).toMatch(/^.*a\.png\n {2}1\. (shirt|shoe|bag) +\d+\.\d\d%\n {2}2\./);
  });

  it('prepares images as the demo does, with inversion and crop switchable', async () => {
    // Dark on light: the grayscale model's default inverts it and crops to the object.
    const drawing = writePng(join(dir, 'drawing.png'), 40, 30, (x, y) => (x > 12 && x < 24 && y > 5 && y < 25 ? [0, 0, 0] : [255, 255, 255]));
    const logits = async (...flags: string[]) => JSON.parse((await run('predict', dir, drawing, '--backend', 'cpu', '--json', ...flags)).out).images[0].logits;
    const byDefault = await logits();
    expect(await logits('--invert', 'auto', '--crop', 'object')).toEqual(byDefault);
    expect(await logits('--invert', 'off')).not.toEqual(byDefault);
    expect(await logits('--crop', 'off')).not.toEqual(byDefault);
    const bad = await run('predict', dir, drawing, '--invert', 'maybe');
    expect(bad).toMatchObject({ code: 2, err: 'condense predict: --invert maybe: expected auto or off' });
    expect((await run('help', 'predict')).out).toMatch(/Scale\(256\) \+ CenterCrop\(224\)/);
  });

  it('names a file that is not an image in one line (exit 2)', async () => {
    const notImage = join(dir, 'notes.txt');
    writeFileSync(notImage, 'hello');
    const { code, err } = await run('predict', dir, notImage, '--backend', 'cpu');
    expect(code).toBe(2);
    expect(err).toBe(`condense predict: ${notImage}: cannot decode: neither a JPEG nor a PNG image`);
  });

  it('names a corrupt model or a truncated PNG in one line', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'cli-bad-model-'));
    writeFileSync(join(bad, 'model.cnn.json'), '{"format":"condensenet-runtime-artifact","version":2}');
    const image = writePng(join(dir, 'c.png'), 8, 8, () => [1, 2, 3]);
    const model = await run('predict', bad, image, '--backend', 'cpu');
    expect(model).toMatchObject({ code: 1, err: 'condense predict: artifact version: unknown artifact version 2; this runtime reads version 1' });
    const truncated = join(dir, 'truncated.png');
    writeFileSync(truncated, readFileSync(image).subarray(0, 40));
    const png = await run('predict', dir, truncated, '--backend', 'cpu');
    expect(png.code).toBe(2);
    expect(png.err).toBe(`condense predict: ${truncated}: cannot decode: a truncated or corrupt PNG file`);
  });

  it.each([
    [['predict', 'only-a-model'], /expected MODEL and at least one IMAGE/],
    [['predict', 'm', 'x.png', '--backend', 'gpu'], /--backend gpu: expected one of auto, tensorflow/],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});

describe('condense bench', () => {
  it('times a preset with random weights and reports the execution path', async () => {
    const { code, out, err } = await run('bench', '--preset', 'condensenet-50', '--backend', 'wasm', '--batch', '1', '--runs', '2', '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ backend: 'wasm', path: 'wasm-kernels', batch: 1, runs: 2 });
    expect(result.medianMs).toBeGreaterThan(0);
    expect(result.imagesPerSecond).toBeCloseTo(1000 / result.medianMs, 5);
  });

  it('runs the wasm kernels on the worker threads asked for, and says how many it got', async () => {
    const { code, out } = await run('bench', '--preset', 'condensenet-50', '--backend', 'wasm', '--batch', '3', '--runs', '1', '--threads', '2', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ path: 'wasm-kernels', kernelBuild: 'relaxed-simd', threads: 2, batch: 3 });
    const one = await run('bench', '--preset', 'condensenet-50', '--backend', 'wasm', '--runs', '1', '--threads', '1');
    expect(one.out).toMatch(/^wasm \(wasm-kernels, relaxed-simd, 1 thread\), batch 1: /);
    const strict = await run('bench', '--preset', 'condensenet-50', '--backend', 'wasm', '--runs', '1', '--threads', '2', '--strict-simd');
    expect(strict.out).toMatch(/^wasm \(wasm-kernels, simd, 2 threads\), batch 1: /);
  });

  it('times an artifact directory', async () => {
    const { code, out } = await run('bench', dir, '--backend', 'cpu', '--batch', '3', '--runs', '1');
    expect(code).toBe(0);
    expect(out).toMatch(/^cpu \(js-kernels, 1 thread\), batch 3: median \d+\.\d\d ms per batch over 1 runs .* images\/s$/);
  });

  it('needs exactly one of MODEL and a preset', async () => {
    const { code, err } = await run('bench', dir, '--preset', 'condensenet-50');
    expect(code).toBe(2);
    expect(err).toMatch(/either one MODEL or a model description/);
  });
});
