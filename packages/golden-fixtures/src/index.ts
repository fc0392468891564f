import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GoldenTensor {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  layout: string;
  data: Float32Array | Int32Array;
}

interface ManifestEntry {
  dtype: 'float32' | 'int32';
  shape: number[];
  file: string;
  layout?: string;
}

export const goldenRoot = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden');

/** One case of the golden set: its config.json and lazily read tensors. */
export class GoldenCase {
  readonly dir: string;
  // biome-ignore lint/suspicious/noExplicitAny: each case's config.json has its own shape, known to the tests that read it.
  readonly config: Record<string, any>;
  private readonly manifest: Record<string, ManifestEntry>;

  constructor(readonly name: string) {
    this.dir = join(goldenRoot, name);
    this.config = JSON.parse(readFileSync(join(this.dir, 'config.json'), 'utf8'));
    this.manifest = JSON.parse(readFileSync(join(this.dir, 'manifest.json'), 'utf8'));
  }

  names(prefix = ''): string[] {
    return Object.keys(this.manifest)
      .filter((k) => k.startsWith(prefix))
      .sort();
  }

  has(name: string): boolean {
    return name in this.manifest;
  }

  tensor(name: string): GoldenTensor {
    const entry = this.manifest[name];
    if (!entry) throw new Error(`golden case ${this.name} has no tensor '${name}'`);
    const bytes = readFileSync(join(this.dir, entry.file));
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (bytes.byteLength !== count * 4) {
      throw new Error(
        `golden ${this.name}/${entry.file}: ${bytes.byteLength} bytes, expected ${count * 4} for shape [${entry.shape}]`,
      );
    }
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const data = entry.dtype === 'int32' ? new Int32Array(buffer) : new Float32Array(buffer);
    return { name, dtype: entry.dtype, shape: entry.shape, layout: entry.layout ?? '', data };
  }

  floats(name: string): Float32Array {
    const t = this.tensor(name);
    return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
  }

  ints(name: string): Int32Array {
    const t = this.tensor(name);
    return t.data instanceof Int32Array ? t.data : Int32Array.from(t.data);
  }
}

export function goldenCase(name: string): GoldenCase {
  return new GoldenCase(name);
}

/**
 * Real files written by torch from the authors' code (zip and legacy formats, a main.py
 * checkpoint, a converted one, a bare state_dict, a malicious pickle) with `expected.json`.
 */
export const pthRoot = join(goldenRoot, 'pth');

export { seededRandom } from './rng.js';
export { craftedPng } from './png.js';
export { describeNeeding } from './environment.js';
export {
  findChromium,
  findPythonTorch,
  pythonTorchRequirement,
  requireInCI,
  runPython,
  type PythonTorch,
  type Requirement,
} from './requirements.js';
export { exposeDawnGpu, INSTALL_MESA } from './webgpu.js';
export { configInputOf, type ReferenceArgs } from './reference-args.js';
