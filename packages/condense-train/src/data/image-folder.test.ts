import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGENET_MEAN, imageFolder } from './image-folder.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'condense-folder-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A solid-colour PNG, opaque unless `alpha` says otherwise. */
function png(width: number, height: number, rgb: [number, number, number], alpha = 255): Buffer {
  const image = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) image.data.set([...rgb, alpha], p * 4);
  return PNG.sync.write(image);
}

function jpg(width: number, height: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([...rgb, 255], p * 4);
  return jpeg.encode({ data, width, height }, 95).data;
}

async function put(file: string, bytes: Buffer | string): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, bytes);
}

describe('image folder', () => {
  it('reads train/ and val/ with sorted class ids, decoding PNG and JPEG to resized RGB', async () => {
    const dir = join(root, 'tv');
    await put(join(dir, 'train', 'zebra', 'a.png'), png(12, 8, [10, 200, 30]));
    await put(join(dir, 'train', 'zebra', 'b.JPG'), jpg(16, 16, [250, 20, 20]));
    await put(join(dir, 'train', 'zebra', 'notes.txt'), 'ignored');
    await put(join(dir, 'train', 'ant', 'c.jpeg'), jpg(9, 20, [20, 20, 250]));
    await put(join(dir, 'val', 'zebra', 'd.png'), png(4, 4, [1, 2, 3]));
    await put(join(dir, 'val', 'zebra', 'e.png'), png(4, 4, [1, 2, 3], 0));

    const source = await imageFolder(dir, { imageSize: 6 });
    expect(source.dataset).toMatchObject({ name: 'tv', numClasses: 2, classNames: ['ant', 'zebra'], height: 6, width: 6, channels: 3, trainSize: 3, testSize: 2 });
    expect(source.dataset.mean).toEqual(IMAGENET_MEAN);
    const train = await source.split('train');
    expect(Array.from(train.labels)).toEqual([0, 1, 1]);
    const near = (image: Uint8Array, rgb: number[], tolerance: number) => {
      expect(image.length).toBe(6 * 6 * 3);
      image.forEach((v, i) => expect(Math.abs(v - rgb[i % 3])).toBeLessThanOrEqual(tolerance));
    };
    near(train.image(0), [20, 20, 250], 8);
    near(train.image(1), [10, 200, 30], 0);
    near(train.image(2), [250, 20, 20], 8);
    const test = await source.split('test');
    expect(Array.from(test.labels)).toEqual([1, 1]);
    near(test.image(0), [1, 2, 3], 0);
    // Transparency is composited over white, as the runtime's pipeline does for every image.
    near(test.image(1), [255, 255, 255], 0);
  });

  it('holds out a seeded stratified share when there is no train/ tree', async () => {
    const dir = join(root, 'flat');
    for (const cls of ['cat', 'dog']) {
      for (let i = 0; i < 5; i++) await put(join(dir, cls, `${i}.png`), png(2, 2, [i, i, i]));
    }
    const a = await imageFolder(dir, { imageSize: 2, testFraction: 0.2 });
    expect([a.dataset.trainSize, a.dataset.testSize]).toEqual([8, 2]);
    const test = await a.split('test');
    expect(Array.from(test.labels)).toEqual([0, 1]);
    const b = await (await imageFolder(dir, { imageSize: 2, testFraction: 0.2 })).split('test');
    expect(Array.from(b.image(0))).toEqual(Array.from(test.image(0)));
  });

  it('names an undecodable file', async () => {
    const dir = join(root, 'broken');
    await put(join(dir, 'a', 'fine.png'), png(2, 2, [0, 0, 0]));
    await put(join(dir, 'a', 'text.jpg'), 'this is not a jpeg');
    await put(join(dir, 'b', 'cut.png'), png(8, 8, [5, 5, 5]).subarray(0, 40));
    const train = await (await imageFolder(dir, { imageSize: 2, testFraction: 0 })).split('train');
    expect(() => train.image(1)).toThrow(/text\.jpg: cannot decode: neither a JPEG nor a PNG image/);
    expect(() => train.image(2)).toThrow(/cut\.png: cannot decode: a truncated or corrupt PNG file$/);
  });

  it('rejects empty classes, unknown validation classes and missing folders', async () => {
    const empty = join(root, 'empty');
    await put(join(empty, 'a', 'x.png'), png(2, 2, [0, 0, 0]));
    await mkdir(join(empty, 'b'), { recursive: true });
    await expect(imageFolder(empty)).rejects.toThrow(/class folder .*empty\/b has no \.jpg, \.jpeg or \.png images/);

    const extra = join(root, 'extra');
    await put(join(extra, 'train', 'a', 'x.png'), png(2, 2, [0, 0, 0]));
    await put(join(extra, 'val', 'q', 'x.png'), png(2, 2, [0, 0, 0]));
    await expect(imageFolder(extra)).rejects.toThrow(/val has classes missing from .*train: q/);

    await expect(imageFolder(join(root, 'absent'))).rejects.toThrow(/absent is not a directory/);
  });
});
