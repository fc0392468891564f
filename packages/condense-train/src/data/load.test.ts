import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from './load.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'condense-load-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadDataset', () => {
  it('dispatches each spec to its reader', async () => {
    expect((await loadDataset('mnist', { cacheDir: root, padTo: 32 })).dataset).toMatchObject({ name: 'mnist', height: 32 });
    expect((await loadDataset('fashion-mnist', { cacheDir: root })).dataset).toMatchObject({ name: 'fashion-mnist', trainSize: 60_000 });

    const c10 = join(root, 'cifar-10-batches-bin');
    await mkdir(c10);
    for (const f of ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch']) {
      await writeFile(join(c10, `${f}.bin`), Buffer.alloc(3073));
    }
    await writeFile(join(c10, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n');
    expect((await loadDataset(`cifar10:${root}`)).dataset).toMatchObject({ name: 'cifar10', trainSize: 5, testSize: 1 });

    const c100 = join(root, 'cifar-100-binary');
    await mkdir(c100);
    await writeFile(join(c100, 'train.bin'), Buffer.alloc(3074 * 2));
    await writeFile(join(c100, 'test.bin'), Buffer.alloc(3074));
    await writeFile(join(c100, 'fine_label_names.txt'), Array.from({ length: 100 }, (_, i) => `c${i}`).join('\n'));
    expect((await loadDataset(`cifar100:${c100}`)).dataset).toMatchObject({ name: 'cifar100', numClasses: 100, trainSize: 2 });

    const image = new PNG({ width: 3, height: 3 });
    await mkdir(join(root, 'pics', 'one'), { recursive: true });
    await writeFile(join(root, 'pics', 'one', 'x.png'), PNG.sync.write(image));
    expect((await loadDataset(`folder:${join(root, 'pics')}`, { imageSize: 8, testFraction: 0 })).dataset).toMatchObject({ name: 'pics', height: 8, trainSize: 1 });
  });

  it('rejects unknown specs, missing directories and misplaced options', async () => {
    await expect(loadDataset('imagenet')).rejects.toThrow("unknown dataset 'imagenet'; expected 'fashion-mnist', 'mnist', 'cifar10:PATH', 'cifar100:PATH' (the binary folder or its .tar.gz) or 'folder:DIR'");
    await expect(loadDataset('mnist:/tmp')).rejects.toThrow(/unknown dataset 'mnist:\/tmp'/);
    await expect(loadDataset('cifar10:')).rejects.toThrow("dataset 'cifar10:' needs a directory after the colon, e.g. 'cifar10:./data'");
    await expect(loadDataset('cifar10:/x', { padTo: 32 })).rejects.toThrow(/does not take the option\(s\) padTo/);
    await expect(loadDataset('mnist', { imageSize: 32 })).rejects.toThrow(/does not take the option\(s\) imageSize/);
    await expect(loadDataset('folder:/x', { padTo: 32 })).rejects.toThrow(/padTo/);
  });
});
