import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cifar10, cifar100 } from './cifar.js';

const PLANE = 1024;

/** A deterministic pixel value that encodes (record, channel, position). */
const pixel = (record: number, channel: number, p: number) => (record * 31 + channel * 7 + p) % 256;

/** Official record layout: label byte(s), then the R, G and B planes, each row-major 32x32. */
function records(labels: number[][], firstRecord: number): Buffer {
  const perRecord = labels[0].length + 3 * PLANE;
  const out = Buffer.alloc(labels.length * perRecord);
  labels.forEach((bytes, r) => {
    const base = r * perRecord;
    bytes.forEach((b, j) => (out[base + j] = b));
    for (let c = 0; c < 3; c++) for (let p = 0; p < PLANE; p++) out[base + bytes.length + c * PLANE + p] = pixel(firstRecord + r, c, p);
  });
  return out;
}

const CIFAR10_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

let root: string;

async function writeCifar10(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let b = 1; b <= 5; b++) await writeFile(join(dir, `data_batch_${b}.bin`), records([[b], [9], [0]], (b - 1) * 3));
  await writeFile(join(dir, 'test_batch.bin'), records([[3], [4], [5]], 100));
  await writeFile(join(dir, 'batches.meta.txt'), `${CIFAR10_NAMES.join('\n')}\n\n`);
}

async function writeCifar100(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'train.bin'), records([[19, 99], [0, 0], [4, 42]], 0));
  await writeFile(join(dir, 'test.bin'), records([[1, 7], [2, 8], [3, 9]], 50));
  const fine = Array.from({ length: 100 }, (_, i) => `fine${i}`);
  await writeFile(join(dir, 'fine_label_names.txt'), fine.join('\n'));
  await writeFile(join(dir, 'coarse_label_names.txt'), Array.from({ length: 20 }, (_, i) => `coarse${i}`).join('\n'));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'condense-cifar-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('CIFAR-10 binary reader', () => {
  it('reads the official layout, from the folder or its parent, into HWC', async () => {
    const parent = join(root, 'c10');
    await writeCifar10(join(parent, 'cifar-10-batches-bin'));
    for (const dir of [parent, join(parent, 'cifar-10-batches-bin')]) {
      const source = await cifar10(dir);
      expect(source.dataset).toMatchObject({ name: 'cifar10', numClasses: 10, height: 32, width: 32, channels: 3, trainSize: 15, testSize: 3 });
      expect(source.dataset.classNames).toEqual(CIFAR10_NAMES);
      expect(source.dataset.mean).toEqual([0.4914, 0.4824, 0.4467]);
      expect(source.dataset.std).toEqual([0.2471, 0.2435, 0.2616]);
    }
    const source = await cifar10(parent);
    const train = await source.split('train');
    expect(Array.from(train.labels)).toEqual([1, 9, 0, 2, 9, 0, 3, 9, 0, 4, 9, 0, 5, 9, 0]);
    const image = train.image(7);
    for (const p of [0, 1, 33, 1023]) {
      for (let c = 0; c < 3; c++) expect(image[p * 3 + c]).toBe(pixel(7, c, p));
    }
    const test = await source.split('test');
    expect(Array.from(test.labels)).toEqual([3, 4, 5]);
    expect(test.image(2)[3 * 5 + 1]).toBe(pixel(102, 1, 5));
  });

  it('names the folder when the files are missing', async () => {
    await expect(cifar10(join(root, 'nowhere'))).rejects.toThrow(/no data_batch_1\.bin in .*nowhere.*cifar-10-binary\.tar\.gz/);
  });

  it('names a missing batch file and the expected record layout', async () => {
    const dir = join(root, 'c10-missing');
    await writeCifar10(dir);
    await rm(join(dir, 'data_batch_4.bin'));
    await expect(cifar10(dir)).rejects.toThrow(/data_batch_4\.bin: missing; expected 3073-byte records \(1 label byte \+ 3072 pixel bytes\)/);
  });

  it('rejects a truncated file', async () => {
    const dir = join(root, 'c10-truncated');
    await writeCifar10(dir);
    await writeFile(join(dir, 'test_batch.bin'), records([[1], [2]], 0).subarray(0, 3073 + 100));
    await expect(cifar10(dir)).rejects.toThrow(/test_batch\.bin: truncated or not a CIFAR binary file: 3173 bytes is not a whole/);
  });

  it('rejects a label out of range, naming file and record', async () => {
    const dir = join(root, 'c10-label');
    await writeCifar10(dir);
    await writeFile(join(dir, 'data_batch_2.bin'), records([[1], [10], [0]], 0));
    const source = await cifar10(dir);
    await expect(source.split('train')).rejects.toThrow(/data_batch_2\.bin: record 1 has label 10, outside 0\.\.9/);
  });

  it('requires the class-name file with ten names', async () => {
    const dir = join(root, 'c10-names');
    await writeCifar10(dir);
    await writeFile(join(dir, 'batches.meta.txt'), 'cat\ndog\n');
    await expect(cifar10(dir)).rejects.toThrow(/batches\.meta\.txt: expected 10 class names, one per line, found 2/);
  });
});

describe('CIFAR-100 binary reader', () => {
  it('reads coarse + fine records and trains on the fine label', async () => {
    const parent = join(root, 'c100');
    await writeCifar100(join(parent, 'cifar-100-binary'));
    const source = await cifar100(parent);
    expect(source.dataset).toMatchObject({ name: 'cifar100', numClasses: 100, trainSize: 3, testSize: 3 });
    // main.py normalises CIFAR-100 with its own statistics, not CIFAR-10's.
    expect(source.dataset.mean).toEqual([0.5071, 0.4867, 0.4408]);
    expect(source.dataset.std).toEqual([0.2675, 0.2565, 0.2761]);
    expect(source.dataset.classNames[42]).toBe('fine42');
    const train = await source.split('train');
    expect(Array.from(train.labels)).toEqual([99, 0, 42]);
    expect(train.image(1)[3 * 10 + 2]).toBe(pixel(1, 2, 10));
    expect(Array.from((await source.split('test')).labels)).toEqual([7, 8, 9]);
  });

  it('rejects a size that is not whole records and coarse labels out of range', async () => {
    const dir = join(root, 'c100-bad');
    await writeCifar100(dir);
    await writeFile(join(dir, 'test.bin'), records([[1], [2]], 0));
    await expect(cifar100(dir)).rejects.toThrow(/test\.bin: .*6146 bytes is not a whole.*3074-byte records \(1 coarse label byte \+ 1 fine label byte \+ 3072 pixel bytes\)/);
    await writeFile(join(dir, 'test.bin'), records([[20, 1]], 0));
    await expect((await cifar100(dir)).split('test')).rejects.toThrow(/record 0 has coarse label 20, outside 0\.\.19/);
  });
});
