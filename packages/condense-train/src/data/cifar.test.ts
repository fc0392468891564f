import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
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

/** A ustar archive as GNU tar writes it: a directory entry, then each file, then two zero blocks. */
function tarball(folder: string, files: [string, Uint8Array][]): Buffer {
  const header = (name: string, size: number, type: string) => {
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
    h.write('14247523400\0', 136);
    h.write(type, 156);
    h.write('ustar  \0', 257);
    h.fill(0x20, 148, 156);
    const sum = h.reduce((s, b) => s + b, 0);
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    return h;
  };
  const parts = [header(`${folder}/`, 0, '5')];
  for (const [name, data] of files) parts.push(header(`${folder}/${name}`, data.length, '0'), Buffer.from(data), Buffer.alloc((512 - (data.length % 512)) % 512));
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

async function archiveOf(dir: string, folder: string): Promise<Buffer> {
  const names = (await readdir(dir)).sort();
  return gzipSync(tarball(folder, await Promise.all(names.map(async (n): Promise<[string, Uint8Array]> => [n, await readFile(join(dir, n))]))));
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

  it('reads the downloaded archive, given it or the folder holding it, as the extracted files', async () => {
    const extracted = join(root, 'c10-extracted');
    await writeCifar10(extracted);
    const dir = join(root, 'c10-archive');
    await mkdir(dir);
    const archive = join(dir, 'cifar-10-binary.tar.gz');
    await writeFile(archive, await archiveOf(extracted, 'cifar-10-batches-bin'));
    const expected = await (await cifar10(extracted)).split('train');
    for (const spec of [archive, dir]) {
      const source = await cifar10(spec);
      expect(source.dataset).toMatchObject({ trainSize: 15, testSize: 3, classNames: CIFAR10_NAMES });
      const train = await source.split('train');
      expect(Array.from(train.labels)).toEqual(Array.from(expected.labels));
      expect(train.image(7)).toEqual(expected.image(7));
    }
  });

  it('refuses a truncated or corrupt archive, naming it', async () => {
    const extracted = join(root, 'c10-extracted-2');
    await writeCifar10(extracted);
    const archive = join(root, 'cut.tar.gz');
    const whole = await archiveOf(extracted, 'cifar-10-batches-bin');
    await writeFile(archive, whole.subarray(0, whole.length - 40));
    await expect(cifar10(archive)).rejects.toThrow(/cut\.tar\.gz: cannot gunzip .*truncated or corrupt/);
    const tar = tarball('cifar-10-batches-bin', [['data_batch_1.bin', Buffer.alloc(3073)]]);
    await writeFile(archive, gzipSync(tar.subarray(0, 1024)));
    await expect(cifar10(archive)).rejects.toThrow(/cut\.tar\.gz: tar header at byte 512: an entry of 3073 bytes runs past the end of the 1024-byte archive/);
    tar[512 + 130] ^= 1;
    await writeFile(archive, gzipSync(tar));
    await expect(cifar10(archive)).rejects.toThrow(/tar header at byte 512: bad checksum/);
    await writeFile(archive, gzipSync(tarball('cifar-10-batches-bin', [['data_batch_1.bin', Buffer.alloc(3073)]])));
    await expect(cifar10(archive)).rejects.toThrow(/cut\.tar\.gz:cifar-10-batches-bin\/batches\.meta\.txt: missing/);
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
