import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { pthRoot } from '@condensenet/golden-fixtures';
import { InteropError, readReferenceFile } from '@condensenet/interop';
import { loadCondenseNet } from '@condensenet/layers';
import '@tensorflow/tfjs-backend-cpu';
import { fileHandler } from '@condensenet/layers/node';
import { ArtifactError, decodeArtifact } from '@condensenet/runtime';
import { cifar10, decodeCheckpoint, decodeImage, imageFolder } from '@condensenet/train';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import {
  checkpointLayout,
  jpegLayout,
  textLayout,
  pickleLayout,
  pngLayout,
  rangesLayout,
  recordsLayout,
  safetensorsLayout,
  zipLayout,
} from './layouts.js';
import type { Layout } from './mutate.js';

/** One valid input: its files and where each file's structure lies. */
export interface Seed {
  files: Uint8Array[];
  layouts: Layout[];
}

/** A reader under test: valid seeds, how to read an input, and which errors are ours. */
export interface Target {
  name: string;
  /** What the reader is, for the results table. */
  reader: string;
  seeds: Seed[];
  read(files: Uint8Array[]): unknown;
  /** An error the reader meant: our class, or our message naming the file and what was expected. */
  isOurs(error: unknown): boolean;
  /** Re-seals a mutated file (a PNG's CRCs) so mutations also reach what the checksums guard. */
  reseal?(bytes: Uint8Array): Uint8Array;
  dispose?(): void;
}

const FIXTURES = new URL('../fixtures/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));
const golden = (name: string) => new Uint8Array(readFileSync(join(pthRoot, name)));

/** A plain Error (not a TypeError or RangeError from deep inside) whose message says `pattern`. */
const plainErrorSaying = (pattern: RegExp) => (e: unknown) => e instanceof Error && e.constructor === Error && pattern.test(e.message);

function artifactTarget(): Target {
  const manifest = fixture('model.cnn.json');
  const weights = fixture('model.cnn.bin');
  const tensors = (JSON.parse(new TextDecoder().decode(manifest)) as { layers: { tensors: { offset: number; byteLength: number }[] }[] }).layers
    .flatMap((l) => l.tensors)
    .map((t): [number, number] => [t.offset, t.offset + t.byteLength]);
  return {
    name: 'artifact',
    reader: 'runtime `decodeArtifact` (model.cnn.json + model.cnn.bin)',
    seeds: [{ files: [manifest, weights], layouts: [textLayout(manifest), rangesLayout(tensors)] }],
    read: ([m, w]) => decodeArtifact(m, w),
    isOurs: (e) => e instanceof ArtifactError,
  };
}

function checkpointTarget(): Target {
  const bytes = fixture('last.ckpt');
  return {
    name: 'checkpoint',
    reader: 'train `decodeCheckpoint` (last.ckpt)',
    seeds: [{ files: [bytes], layouts: [checkpointLayout(bytes)] }],
    read: ([b]) => decodeCheckpoint(b, 'last.ckpt'),
    isOurs: plainErrorSaying(/^last\.ckpt: not a usable CondenseNet checkpoint: /),
  };
}

/** An emptied directory per case, removed by dispose(); readers of paths get real files. */
function scratch(prefix: string): { dir: () => string; dispose: () => void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dir = join(root, 'case');
  return {
    dir: () => {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      return dir;
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

function layersTarget(): Target {
  const model = fixture('model.json');
  const weights = fixture('weights.bin');
  const specs = (JSON.parse(new TextDecoder().decode(model)) as { weightsManifest: { weights: { shape: number[]; dtype: string }[] }[] }).weightsManifest.flatMap(
    (g) => g.weights,
  );
  let at = 0;
  const ranges = specs.map((s): [number, number] => {
    const start = at;
    at += 4 * s.shape.reduce((a, b) => a * b, 1);
    return [start, at];
  });
  const files = scratch('fuzz-layers-');
  return {
    name: 'layers',
    reader: 'layers `loadCondenseNet(fileHandler(dir))` (model.json + weights.bin)',
    seeds: [{ files: [model, weights], layouts: [textLayout(model), rangesLayout(ranges)] }],
    read: async ([m, w]) => {
      const dir = files.dir();
      writeFileSync(join(dir, 'model.json'), m);
      writeFileSync(join(dir, 'weights.bin'), w);
      (await loadCondenseNet(fileHandler(dir))).dispose();
    },
    // core's ConfigError names the field of the saved configuration at fault.
    isOurs: (e) => plainErrorSaying(/model\.json|weights\.bin|saved (layer|model)/)(e) || (e instanceof Error && e.name === 'ConfigError'),
    dispose: files.dispose,
  };
}

function torchTarget(name: string, files: string[], layout: (b: Uint8Array) => Layout, reader: string): Target {
  return {
    name,
    reader,
    seeds: files.map((f) => {
      const bytes = golden(f);
      return { files: [bytes], layouts: [layout(bytes)] };
    }),
    read: ([b]) => readReferenceFile(b, 'model.pth'),
    isOurs: (e) => e instanceof InteropError,
  };
}

function safetensorsTarget(): Target {
  const bytes = fixture('conv.safetensors');
  return {
    name: 'safetensors',
    reader: 'interop `readReferenceFile` on safetensors (`decodeSafetensors`, then inference)',
    seeds: [{ files: [bytes], layouts: [safetensorsLayout(bytes)] }],
    read: ([b]) => readReferenceFile(b, 'model.safetensors'),
    isOurs: (e) => e instanceof InteropError,
  };
}

/** Recomputes every chunk's CRC where the chunk structure still holds. */
function resealPng(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  for (let at = 8; at + 12 <= out.byteLength; ) {
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > out.byteLength) break;
    view.setUint32(end - 4, crc32(out.subarray(at + 4, end - 4)));
    at = end;
  }
  return out;
}

function testImage(width: number, height: number): { data: Buffer; width: number; height: number } {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + (i >> 5)) & 0xff;
  return { data, width, height };
}

function pngBytes(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  png.data = testImage(width, height).data;
  return new Uint8Array(PNG.sync.write(png));
}

function imageTarget(kind: 'png' | 'jpeg'): Target {
  const seeds = [
    [12, 9],
    [32, 32],
  ].map(([w, h]) => {
    const bytes = kind === 'png' ? pngBytes(w, h) : new Uint8Array(jpeg.encode(testImage(w, h), 80).data);
    return { files: [bytes], layouts: [kind === 'png' ? pngLayout(bytes) : jpegLayout(bytes)] };
  });
  const files = scratch(`fuzz-${kind}-`);
  return {
    name: kind,
    reader: `train \`decodeImage\` on ${kind === 'png' ? 'PNG (pngjs)' : 'JPEG (jpeg-js)'}, what \`condense predict\` reads images with`,
    seeds,
    read: ([b]) => {
      const file = join(files.dir(), `image.${kind}`);
      writeFileSync(file, b);
      return decodeImage(file);
    },
    isOurs: plainErrorSaying(/\/image\.(png|jpeg): /),
    ...(kind === 'png' ? { reseal: resealPng } : {}),
    dispose: files.dispose,
  };
}

const CIFAR_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
const CIFAR_RECORD = 1 + 3 * 32 * 32;

function cifarTarget(): Target {
  const batch = (n: number) => Uint8Array.from({ length: 2 * CIFAR_RECORD }, (_, i) => (i % CIFAR_RECORD === 0 ? (n + i) % 10 : (i * 7) & 0xff));
  const names = new TextEncoder().encode('airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n');
  const batches = CIFAR_FILES.map((_, n) => batch(n));
  const files = scratch('fuzz-cifar-');
  return {
    name: 'cifar',
    reader: 'train `cifar10(dir)`, both splits read in full',
    seeds: [{ files: [...batches, names], layouts: [...batches.map((b) => recordsLayout(b, CIFAR_RECORD)), textLayout(names)] }],
    read: async (parts) => {
      const dir = files.dir();
      CIFAR_FILES.forEach((f, i) => writeFileSync(join(dir, f), parts[i]));
      writeFileSync(join(dir, 'batches.meta.txt'), parts[CIFAR_FILES.length]);
      const source = await cifar10(dir);
      for (const split of ['train', 'test'] as const) {
        const s = await source.split(split);
        for (let i = 0; i < s.size; i++) s.image(i);
      }
    },
    isOurs: plainErrorSaying(/\.(bin|txt): |^cifar10: /),
    dispose: files.dispose,
  };
}

function imageFolderTarget(): Target {
  const images = [pngBytes(10, 8), new Uint8Array(jpeg.encode(testImage(8, 12), 80).data), pngBytes(9, 9)];
  const files = scratch('fuzz-folder-');
  const names = ['train/cat/a.png', 'train/dog/b.jpg', 'val/cat/c.png'];
  return {
    name: 'image-folder',
    reader: 'train `imageFolder(dir)` (train/ and val/ trees), every image of both splits',
    seeds: [{ files: images, layouts: [pngLayout(images[0]), jpegLayout(images[1]), pngLayout(images[2])] }],
    read: async (parts) => {
      const dir = files.dir();
      names.forEach((name, i) => {
        mkdirSync(join(dir, name, '..'), { recursive: true });
        writeFileSync(join(dir, name), parts[i]);
      });
      const source = await imageFolder(dir, { imageSize: 8 });
      for (const split of ['train', 'test'] as const) {
        const s = await source.split(split);
        for (let i = 0; i < s.size; i++) s.image(i);
      }
    },
    isOurs: plainErrorSaying(/\.(png|jpg): |^image folder: /),
    reseal: resealPng,
    dispose: files.dispose,
  };
}

/** Every reader, by name; built lazily since seeds are read from disk and tfjs loads. */
export const TARGETS: Record<string, () => Target> = {
  artifact: artifactTarget,
  checkpoint: checkpointTarget,
  layers: layersTarget,
  'pth-zip': () =>
    torchTarget('pth-zip', ['checkpoint_006.pth.tar', 'state_dict_plain.pth'], zipLayout, 'interop `readReferenceFile` on torch zip files (`readTorchFile`, then inference)'),
  'pth-legacy': () =>
    torchTarget('pth-legacy', ['converted_checkpoint_006_legacy.pth.tar', 'checkpoint_006_legacy.pth.tar'], pickleLayout, 'interop `readReferenceFile` on legacy torch files (`readTorchFile`, then inference)'),
  safetensors: safetensorsTarget,
  png: () => imageTarget('png'),
  jpeg: () => imageTarget('jpeg'),
  cifar: cifarTarget,
  'image-folder': imageFolderTarget,
};
