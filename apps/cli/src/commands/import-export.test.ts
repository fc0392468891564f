import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goldenCase, pthRoot } from '@condensenet/golden-fixtures';
import { encodeTorchZip, readReferenceFile } from '@condensenet/interop';
import { loadSavedModel, readCheckpoint } from '@condensenet/train';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const expected = JSON.parse(readFileSync(join(pthRoot, 'expected.json'), 'utf8')) as {
  args: Record<string, unknown>;
  normalization: { mean: number[]; std: number[] };
  images: string[];
  logits_training_form: number[][];
  logits_converted: number[][];
};
const images = expected.images.map((f) => join(pthRoot, f));
const fixture = (name: string) => join(pthRoot, name);
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cli-import-'));
});

function maxDiff(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((row, n) => row.map((v, i) => Math.abs(v - b[n][i]))));
}

async function predictLogits(model: string): Promise<number[][]> {
  const { code, out, err } = await run('predict', model, ...images, '--backend', 'cpu', '--json');
  expect(err).toBe('');
  expect(code).toBe(0);
  return (JSON.parse(out) as { images: { logits: number[] }[] }).images.map((i) => i.logits);
}

/** The fixture images as the model's normalised NHWC input, as main.py's transforms make them. */
function normalisedImages(): tf.Tensor4D {
  const { mean, std } = expected.normalization;
  const data = new Float32Array(images.length * 32 * 32 * 3);
  images.forEach((file, n) => {
    const png = PNG.sync.read(readFileSync(file));
    for (let p = 0; p < 32 * 32; p++) {
      for (let c = 0; c < 3; c++) data[(n * 1024 + p) * 3 + c] = (png.data[4 * p + c] / 255 - mean[c]) / std[c];
    }
  });
  return tf.tensor4d(data, [images.length, 32, 32, 3]);
}

const tinyArgs = { stages: [2, 2, 2], growth: [4, 8, 16], bottleneck: 4, group1x1: 4, group3x3: 4, condenseFactor: 4, numClasses: 10, data: 'cifar10' };

describe('condense import of the authors\' checkpoints', () => {
  it.each(['converted_checkpoint_006.pth.tar', 'converted_checkpoint_006_legacy.pth.tar'])(
    'a converted checkpoint (%s) predicts the logits torch gives',
    async (file) => {
      const out = join(root, file);
      const imported = await run('import', fixture(file), '--out', out, '--json');
      expect(imported.err).toBe('');
      expect(imported.code).toBe(0);
      const result = JSON.parse(imported.out);
      expect(result).toMatchObject({ form: 'condensed', wrapper: 'state_dict wrapper', config: tinyArgs });
      expect(result.format).toBe(file.includes('legacy') ? 'legacy' : 'zip');
      for (const f of ['model.json', 'weights.bin', 'model.cnn.json', 'model.cnn.bin']) expect(existsSync(join(out, f))).toBe(true);
      expect(maxDiff(await predictLogits(out), expected.logits_converted)).toBeLessThan(1e-4);
    },
  );

  it.each(['checkpoint_006.pth.tar', 'checkpoint_006_legacy.pth.tar', 'state_dict_plain.pth'])(
    'a training form (%s) becomes a checkpoint with the training logits and, condensed, the converted ones',
    async (file) => {
      const out = join(root, file);
      const imported = await run('import', fixture(file), '--out', out, '--json');
      expect(imported.err).toBe('');
      expect(imported.code).toBe(0);
      const result = JSON.parse(imported.out);
      expect(result).toMatchObject({ form: 'training', config: tinyArgs, checkpoint: join(out, 'last.ckpt'), condensedDir: join(out, 'condensed') });
      expect(result.wrapper).toBe(file.startsWith('state_dict') ? 'bare state_dict' : 'main.py checkpoint');
      const loaded = await loadSavedModel(join(out, 'last.ckpt'));
      const x = normalisedImages();
      const logits = loaded.model.apply(x, { training: false }) as tf.Tensor2D;
      expect(maxDiff(logits.arraySync(), expected.logits_training_form)).toBeLessThan(1e-4);
      tf.dispose([x, logits]);
      loaded.model.dispose();
      expect(maxDiff(await predictLogits(join(out, 'condensed')), expected.logits_converted)).toBeLessThan(1e-4);
    },
  );

  it('keeps an unfinished training form as a checkpoint only, which convert then refuses', async () => {
    // The golden model before any pruning: every learned group conv at stage 0.
    const tiny = goldenCase('condensenet_tiny');
    const stateDict = new Map(
      tiny.names('init.').map((name) => {
        const t = tiny.tensor(name);
        const dtype = t.dtype === 'int32' ? 'int64' : 'float32';
        return [name.slice('init.'.length), { kind: 'tensor' as const, dtype, shape: t.shape, data: t.data }] as const;
      }),
    );
    const file = join(root, 'fresh.pth');
    writeFileSync(file, encodeTorchZip({ state_dict: stateDict, epoch: 0 }));
    const out = join(root, 'fresh');
    const imported = await run('import', file, '--out', out, '--json');
    expect(imported.code).toBe(0);
    const result = JSON.parse(imported.out);
    expect(result).toMatchObject({ form: 'training', checkpoint: join(out, 'last.ckpt') });
    expect(result.unfinished).toMatch(/6 of 6 learned group convolutions have not reached their last condensing stage \(3\)/);
    expect(existsSync(join(out, 'condensed'))).toBe(false);
    const converted = await run('convert', join(out, 'last.ckpt'), '--out', join(root, 'fresh-converted'));
    expect(converted.code).toBe(1);
    expect(converted.err).toMatch(/stage/);
  });

  it('refuses a pickle that asks for os.system, naming the global, and writes nothing', async () => {
    const out = join(root, 'evil');
    const { code, err } = await run('import', fixture('refuse_os_system.pth'), '--out', out);
    expect(code).toBe(1);
    expect(err).toMatch(/refuse_os_system\.pth: .*(posix|os)\.system/);
    expect(existsSync(out)).toBe(false);
  });

  it('checks stated flags against the weights, naming the tensor', async () => {
    const out = join(root, 'flags');
    const agree = await run('import', fixture('converted_checkpoint_006.pth.tar'), '--out', out, '--growth', '4-8-16', '--data', 'cifar10');
    expect(agree.code).toBe(0);
    const wrong = await run('import', fixture('converted_checkpoint_006.pth.tar'), '--out', join(root, 'flags2'), '--growth', '8-16-32');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/--growth.*conv_2\.conv\.weight/);
    const classes = await run('import', fixture('converted_checkpoint_006.pth.tar'), '--out', join(root, 'flags3'), '--data', 'cifar100');
    expect(classes.code).toBe(1);
    expect(classes.err).toMatch(/classifier/);
    expect(existsSync(join(root, 'flags2'))).toBe(false);
    expect(existsSync(join(root, 'flags3'))).toBe(false);
  });

  it('names the classes from --classes, and refuses a list of the wrong length', async () => {
    const names = join(root, 'names.txt');
    writeFileSync(names, `${Array.from({ length: 10 }, (_, i) => `thing ${i}`).join('\n')}\n`);
    const out = join(root, 'named');
    expect((await run('import', fixture('converted_checkpoint_006.pth.tar'), '--out', out, '--classes', names)).code).toBe(0);
    const predicted = await run('predict', out, images[0], '--json', '--backend', 'cpu');
    expect(JSON.parse(predicted.out).images[0].top[0].className).toMatch(/^thing \d$/);
    writeFileSync(names, 'a\nb\n');
    const short = await run('import', fixture('converted_checkpoint_006.pth.tar'), '--out', join(root, 'named2'), '--classes', names);
    expect(short.code).toBe(1);
    expect(short.err).toMatch(/2 class names given for a classifier of 10 classes/);
  });

  it.each([
    ['a truncated zip', () => readFileSync(fixture('converted_checkpoint_006.pth.tar')).subarray(0, 30_000)],
    ['a truncated legacy file', () => readFileSync(fixture('converted_checkpoint_006_legacy.pth.tar')).subarray(0, 30_000)],
    ['not a checkpoint at all', () => new TextEncoder().encode('hello, this is a text file\n')],
  ])('refuses %s with one clear line and writes nothing', async (_, bytes) => {
    const file = join(root, `bad-${readdirSync(root).length}.pth`);
    writeFileSync(file, bytes());
    const out = join(root, `bad-out-${readdirSync(root).length}`);
    const { code, err } = await run('import', file, '--out', out);
    expect(code).toBe(1);
    expect(err.split('\n')).toHaveLength(1);
    expect(err).toContain(file);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an --out that already holds a model', async () => {
    const out = join(root, 'converted_checkpoint_006.pth.tar');
    const { code, err } = await run('import', fixture('converted_checkpoint_006.pth.tar'), '--out', out);
    expect(code).toBe(1);
    expect(err).toMatch(/already holds a model/);
  });

  it.each([
    [['import', '--out', 'x'], /expected one CHECKPOINT/],
    [['import', 'a.pth'], /--out DIR is required/],
    [['import', 'a.pth', '--out', 'x', '--data', 'mnist'], /--data mnist: expected one of cifar10, cifar100, imagenet/],
    [['export', 'm', '--out', 'f'], /--format is required/],
    [['export', 'm', '--format', 'keras', '--out', 'f'], /--format is required: pytorch, onnx, safetensors/],
    [['export', 'm', '--format', 'pytorch'], /--out FILE is required/],
    [['export', 'm', '--format', 'pytorch', '--out', 'f', '--include-normalization'], /applies to --format onnx only/],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});

describe('condense export', () => {
  it('pytorch and safetensors files import back to identical tensors, both forms', async () => {
    for (const [source, form] of [
      [join(root, 'converted_checkpoint_006.pth.tar'), 'condensed'],
      [join(root, 'checkpoint_006.pth.tar', 'last.ckpt'), 'training'],
    ] as const) {
      const original = readReferenceFile(
        readFileSync(form === 'condensed' ? fixture('converted_checkpoint_006.pth.tar') : fixture('checkpoint_006.pth.tar')),
        'fixture',
      );
      for (const format of ['pytorch', 'safetensors']) {
        const file = join(root, `export-${form}.${format}`);
        const exported = await run('export', source, '--format', format, '--out', file, '--json');
        expect(exported.err).toBe('');
        expect(JSON.parse(exported.out)).toMatchObject({ file, form, format });
        const back = readReferenceFile(readFileSync(file), file);
        expect(back.form).toBe(form);
        expect(back.config).toEqual(original.config);
        expect(back.saved?.classes).toHaveLength(10);
        for (const [name, tensor] of original.stateDict) {
          if (name.endsWith('num_batches_tracked')) continue;
          expect(Array.from(back.stateDict.get(name)!.data), `${format} ${name}`).toEqual(Array.from(tensor.data));
        }
        const again = join(root, `reimport-${form}-${format}`);
        expect((await run('import', file, '--out', again)).code).toBe(0);
      }
    }
    expect(maxDiff(await predictLogits(join(root, 'reimport-condensed-pytorch')), expected.logits_converted)).toBeLessThan(1e-4);
  });

  it('onnx runs in onnxruntime-node with the runtime\'s logits', async () => {
    const ort = await import('onnxruntime-node');
    for (const normalise of [false, true]) {
      const file = join(root, `model${normalise ? '-normalised' : ''}.onnx`);
      const argv = ['export', join(root, 'checkpoint_006.pth.tar'), '--format', 'onnx', '--out', file];
      const exported = await run(...(normalise ? [...argv, '--include-normalization'] : argv));
      expect(exported.err).toBe('');
      const session = await ort.InferenceSession.create(readFileSync(file));
      const x = normalisedImages();
      // ONNX takes NCHW; with the normalisation inside, raw pixels in [0, 1].
      const input = normalise ? tf.tidy(() => tf.add(tf.mul(x, expected.normalization.std), expected.normalization.mean)) : x;
      const nchw = tf.transpose(input, [0, 3, 1, 2]);
      const feeds = { input: new ort.Tensor('float32', nchw.dataSync() as Float32Array, [images.length, 3, 32, 32]) };
      const logits = (await session.run(feeds)).logits.data as Float32Array;
      const rows = expected.images.map((_, n) => Array.from(logits.subarray(n * 10, n * 10 + 10)));
      expect(maxDiff(rows, await predictLogits(join(root, 'checkpoint_006.pth.tar', 'condensed')))).toBeLessThan(1e-4);
      tf.dispose([x, input, nchw]);
      await session.release();
    }
  });

  it('refuses ONNX for a training form with no condensed model beside it', async () => {
    const { code, err } = await run('export', join(root, 'checkpoint_006.pth.tar', 'last.ckpt'), '--format', 'onnx', '--out', join(root, 'x.onnx'));
    expect(code).toBe(1);
    expect(err).toMatch(/ONNX export needs the condensed form/);
  });
});

/** A CIFAR-10 binary folder of `n` training and `n` test records (label byte + 3072 pixels). */
function writeTinyCifar10(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  const records = (seed: number) => {
    const bytes = new Uint8Array(n * 3073);
    for (let r = 0; r < n; r++) {
      bytes[r * 3073] = (r + seed) % 10;
      for (let i = 1; i < 3073; i++) bytes[r * 3073 + i] = (r * 31 + i * 7 + seed) % 256;
    }
    return bytes;
  };
  for (let b = 1; b <= 5; b++) writeFileSync(join(dir, `data_batch_${b}.bin`), records(b));
  writeFileSync(join(dir, 'test_batch.bin'), records(9));
  writeFileSync(join(dir, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n');
}

describe('fine-tuning an imported training checkpoint', () => {
  it('runs with --resume, and resumes again', async () => {
    const out = join(root, 'finetune');
    expect((await run('import', fixture('checkpoint_006.pth.tar'), '--out', out)).code).toBe(0);
    const cifar = join(root, 'cifar');
    writeTinyCifar10(cifar, 4);
    const common = ['--data', `cifar10:${cifar}`, '--out', out, '-b', '8', '--workers', '1', '--backend', 'cpu', '--json'];
    const before = readCheckpoint(join(out, 'last.ckpt'));
    const first = await run('train', '--resume', '--epochs', '1', ...common);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out).config).toMatchObject(tinyArgs);
    const after = readCheckpoint(join(out, 'last.ckpt'));
    const training = after.training as { epoch: number; iteration: number; imported: { source: string } };
    expect(training).toMatchObject({ epoch: 1, iteration: 3, imported: { source: fixture('checkpoint_006.pth.tar') } });
    // The fine-tuning step moved the weights; the masks of the finished condensation stayed.
    const weight = (c: typeof before, suffix: string) => c.weights.find((w) => w.name.endsWith(suffix))!.values;
    expect(weight(after, 'init_conv/weight')).not.toEqual(weight(before, 'init_conv/weight'));
    expect(weight(after, 'denseblock_1.denselayer_1.conv_1/mask')).toEqual(weight(before, 'denseblock_1.denselayer_1.conv_1/mask'));
    const second = await run('train', '--resume', '--epochs', '2', ...common);
    expect(second.code).toBe(0);
    expect(readCheckpoint(join(out, 'last.ckpt')).training).toMatchObject({ epoch: 2, iteration: 6 });
  }, 180_000);
});
