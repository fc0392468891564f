/**
 * What every backend config must do, written once: each backend's test file runs it against its
 * config (src/backends/<name>/<name>.test.ts). Cases run where the backend lives (see
 * conformance-case.ts); the checks run here.
 */
import type { CondenseNetConfigInput } from '@condensenet/core';
import { describe, expect, it } from 'vitest';
import { encodeArtifact } from '../artifact/encode.js';
import type { BackendConfig } from '../backends/backend.js';
import type { KernelModule } from '../backends/wasm/kernel-module.js';
import { expectClose } from './close.js';
import { runConformanceCase, type ConformanceCase, type ConformanceResult } from './conformance-case.js';
import { goldenTiny } from './golden-model.js';
import { condensedModelReference } from './nhwc-reference.js';
import { randomCondensedModel } from './model.js';
import { randomArray, seededRandom } from './rng.js';

/**
 * The backends compute in float32 and sum in other orders than the reference (the kernels' 1x1
 * starts from its bias, tfjs's matMuls tile the head), with logits up to about 4 here: the
 * differences seen are below 1e-6. 1e-4 (relative above magnitude 1, absolute below) leaves room
 * for GPUs' fused multiply-adds and reassociation, and a wrong index, group or shuffle position
 * still misses it by orders of magnitude.
 */
const TOLERANCE = 1e-4;

/** Random small models: on and off the SIMD kernels' shapes, CIFAR- and ImageNet-kind stems. */
const MODELS: [string, CondenseNetConfigInput][] = [
  ['CIFAR-kind, G = 4', { stages: [2, 2], growth: [4, 8], poolSize: 16, numClasses: 3 }],
  ['ImageNet-kind stride-2 stem', { stages: [1, 2], growth: [4, 8], data: 'imagenet', inputSize: 32, poolSize: 8, numClasses: 5 }],
  // Growth 6 with 3x3 groups of 3 channels: one group's outputs need not fill a vector.
  ['growth 6, group3x3 = 2', { stages: [1, 1], growth: [4, 6], group3x3: 2, poolSize: 16, numClasses: 3 }],
  // G = 2 with 9 outputs per group: the last of a GPU invocation's four outputs are padding.
  ['G = 2, 9 outputs per group', { stages: [1, 2], growth: [6, 6], bottleneck: 3, group1x1: 2, group3x3: 3, condenseFactor: 2, poolSize: 16, numClasses: 3 }],
  ['DenseNet-BC-like G = C = 1', { stages: [1, 1], growth: [4, 4], group1x1: 1, group3x3: 1, condenseFactor: 1, poolSize: 16, numClasses: 3 }],
];

/** A backend config on a tfjs backend, and where its cases run. */
export interface ConformanceTarget {
  config: BackendConfig;
  tfjsBackend: string;
  run(c: ConformanceCase): Promise<ConformanceResult>;
}

/** Cases run in this process; `kernels` gives each case a fresh kernel module (for the wasm config). */
export function localTarget(config: BackendConfig, tfjsBackend: string, kernels?: () => Promise<KernelModule>): ConformanceTarget {
  return {
    config,
    tfjsBackend,
    run: async (c) => runConformanceCase(config, tfjsBackend, c, await kernels?.()),
  };
}

/** A case's artifact and images as the webgl page takes them (base64 bytes). */
export function serializeCase(c: ConformanceCase): { json: string; weights: string; images: string; batch: number; repeats: number } {
  const base64 = (b: ArrayBufferLike | ArrayBufferView) =>
    (ArrayBuffer.isView(b) ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.from(b)).toString('base64');
  const { json, weights } = encodeArtifact(c.model);
  return { json, weights: base64(weights), images: base64(c.images), batch: c.batch, repeats: c.repeats };
}

function randomCase(config: CondenseNetConfigInput, repeats: number): ConformanceCase {
  const model = randomCondensedModel(config, 11);
  const { inputSize, inputChannels } = model.config;
  const batch = 2;
  return { model, images: randomArray(batch * inputSize * inputSize * inputChannels, seededRandom(5), 0, 1), batch, repeats };
}

export function describeBackendConformance(target: ConformanceTarget): void {
  const { config } = target;

  describe(`backend config '${config.name}' on tfjs ${target.tfjsBackend}`, () => {
    it("reproduces the reference's logits for the converted condensenet_tiny", async () => {
      const { model, images, shape, logits } = goldenTiny();
      const result = await target.run({ model, images, batch: shape[0], repeats: 0 });
      expect(result.unavailable).toBeUndefined();
      expect(result.path).toBe(config.path);
      expectClose(result.logits, logits, TOLERANCE);
    });

    it.each(MODELS)('matches the plain-loop reference on a random %s model, or falls back to stock ops saying why', async (_, modelConfig) => {
      const c = randomCase(modelConfig, 1);
      const result = await target.run(c);
      if (result.unavailable) {
        expect([result.path, result.fallbackReason]).toEqual(['tfjs', result.unavailable]);
      } else {
        expect(result.path).toBe(config.path);
      }
      expectClose(result.logits, condensedModelReference(c.model, c.images, c.batch), TOLERANCE);
      expect(result.tensors.repeats).toEqual([result.tensors.held]);
      expect(result.tensors.afterDispose).toBe(result.tensors.before);
    });

    it('gives the same logits at a constant tensor count over repeated runs, and releases everything on dispose', async () => {
      const result = await target.run(randomCase(MODELS[0][1], 5));
      expect(result.repeatsEqual).toBe(true);
      expect(result.tensors.repeats).toEqual(Array(5).fill(result.tensors.held));
      expect(result.tensors.afterDispose).toBe(result.tensors.before);
      if (result.kernelAllocations) expect(result.kernelAllocations.afterDispose).toBe(result.kernelAllocations.before);
    });

    it('refuses a wrong length and NaN without holding anything, is disposed idempotently, and refuses to run afterwards', async () => {
      const result = await target.run(randomCase(MODELS[0][1], 0));
      expect(result.errors.wrongLength).toMatch(/^InputError: .*6143 values, expected batch \* 32 \* 32 \* 3 = 6144/);
      expect(result.errors.nan).toMatch(/^InputError: .*NaN/);
      expect(result.errors.afterDispose).toMatch(/run\(\) after dispose\(\)/);
      expect(result.tensors.afterBadInputs).toBe(result.tensors.held);
      expect(result.tensors.afterDispose).toBe(result.tensors.before);
    });
  });
}
