import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type CondenseNetConfigInput } from '@condensenet/core';
import { buildCondenseNet, condense, exportReferenceStateDict, loadReferenceStateDict, setProgress } from '@condensenet/layers';
import { selectBackend } from '@condensenet/runtime';
import { importBackendPackage, loadModel } from '@condensenet/runtime/node';
import type { Dataset } from '../data/dataset.js';
import { attachDataset } from './dataset-metadata.js';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { writeRuntimeArtifact } from './runtime-artifact.js';

/** The first fits the runtime's kernels; the second (G = 2) runs its stock-op path. */
const CONFIGS: CondenseNetConfigInput[] = [
  { stages: [1, 2], growth: [4, 8], inputSize: 8, poolSize: 4, numClasses: 5 },
  { stages: [2, 1], growth: [6, 12], group1x1: 2, group3x3: 2, condenseFactor: 2, inputSize: 8, poolSize: 4, numClasses: 3 },
];

function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return lo + ((hi - lo) * s) / 2 ** 31;
  });
}

/** Random BatchNorm parameters and statistics, so folding them is actually tested. */
function randomizeBatchNorms(model: tfl.LayersModel, seed: number): void {
  const dict = exportReferenceStateDict(model);
  let k = seed;
  for (const [name, t] of dict) {
    if (/running_var$|norm\.weight$/.test(name)) dict.set(name, { shape: t.shape, data: uniform(t.data.length, k++, 0.5, 2) });
    else if (/running_mean$|norm\.bias$/.test(name)) dict.set(name, { shape: t.shape, data: uniform(t.data.length, k++, -0.5, 0.5) });
  }
  loadReferenceStateDict(model, dict);
}

/** Trained-to-the-end masks: every condensing stage in turn, each applied by a forward. */
function condenseMasks(model: tfl.LayersModel, config: ReturnType<typeof resolveConfig>): void {
  const stages = config.condenseFactor - 1;
  const x = tf.zeros([1, config.inputSize, config.inputSize, config.inputChannels]);
  for (let s = 1; s <= stages + 1; s++) {
    setProgress(model, s / (2 * stages));
    tf.dispose(model.predict(x) as tf.Tensor);
  }
  x.dispose();
}

describe('runtime artifact of a condensed layers model', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it.each(CONFIGS.map((c, i) => [i, c] as const))(`${backend}: config %i gives the layers model's logits (1e-4)`, async (i, input) => {
      const config = resolveConfig(input);
      const dataset: Dataset = {
        name: 'random', numClasses: config.numClasses, classNames: Array.from({ length: config.numClasses }, (_, c) => `c${c}`),
        height: config.inputSize, width: config.inputSize, channels: 3, mean: [0.4, 0.5, 0.6], std: [0.2, 0.3, 0.25], trainSize: 0, testSize: 0,
      };
      const dir = mkdtempSync(join(tmpdir(), 'cli-artifact-'));
      const pixels = uniform(2 * config.inputSize ** 2 * 3, 17 + i, 0, 1);
      // Selecting through the runtime registers the backend for the layers model too.
      await selectBackend(backend, importBackendPackage);
      const training = buildCondenseNet(config);
      randomizeBatchNorms(training, 100 * i + 1);
      condenseMasks(training, config);
      const condensed = condense(training);
      attachDataset(condensed, dataset);
      await writeRuntimeArtifact(condensed, dir);
      const x = tf.tensor4d(pixels, [2, config.inputSize, config.inputSize, 3]);
      const normalized = tf.div(tf.sub(x, dataset.mean as number[]), dataset.std as number[]);
      const expected = (condensed.predict(normalized) as tf.Tensor).dataSync() as Float32Array;

      const runtime = await loadModel(dir, { backend });
      expect(runtime.backend).toBe(backend);
      expect(runtime.path).toBe(i === 0 ? (backend === 'wasm' ? 'wasm-kernels' : 'js-kernels') : 'tfjs');
      const { logits } = await runtime.predict(x);
      for (let j = 0; j < expected.length; j++) expect(Math.abs(logits[j] - expected[j])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(expected[j])));
      runtime.dispose();
      tf.dispose([x, normalized]);
      training.dispose();
      condensed.dispose();
    });
  }
});
