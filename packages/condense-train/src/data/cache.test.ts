import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageCache, writeImageCache, type ImageCacheContent } from './cache.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'condense-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const content: ImageCacheContent = {
  count: 3,
  height: 2,
  width: 2,
  channels: 1,
  numClasses: 4,
  labels: Uint8Array.from([0, 3, 1]),
  images: Uint8Array.from({ length: 12 }, (_, i) => i * 20),
};

describe('image cache', () => {
  it('round-trips and leaves no temporary file', async () => {
    const file = join(dir, 'nested', 'set.bin');
    await writeImageCache(file, content);
    expect(await readImageCache(file)).toEqual(content);
    expect(await readdir(join(dir, 'nested'))).toEqual(['set.bin']);
  });

  it('detects flipped bits, truncation, a foreign file and bad labels', async () => {
    const file = join(dir, 'bad.bin');
    await writeImageCache(file, content);
    const good = await readFile(file);

    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] ^= 1;
    await writeFile(file, flipped);
    await expect(readImageCache(file)).rejects.toThrow(/bad\.bin is corrupt \(SHA-256 mismatch\); delete it to rebuild/);

    await writeFile(file, good.subarray(0, good.length - 1));
    await expect(readImageCache(file)).rejects.toThrow(/bytes where the header implies/);

    await writeFile(file, 'not a cache');
    await expect(readImageCache(file)).rejects.toThrow(/no CNDSIMG1 header/);

    await writeImageCache(file, { ...content, numClasses: 2 });
    await expect(readImageCache(file)).rejects.toThrow(/label 3 of example 1 is outside 0\.\.1/);
  });

  it('refuses inconsistent content', async () => {
    await expect(writeImageCache(join(dir, 'x.bin'), { ...content, count: 4 })).rejects.toThrow(/does not match/);
  });
});
