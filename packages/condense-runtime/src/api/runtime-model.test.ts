import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { encodeArtifact } from '../artifact/encode.js';
import { createSession } from '../session/session.js';
import { expectClose } from '../test-support/close.js';
import { testKernels } from '../test-support/kernels.js';
import { randomCondensedModel } from '../test-support/model.js';
import { randomArray, seededRandom } from '../test-support/rng.js';
import { createRuntimeModel, loadModel } from './runtime-model.js';

describe('runtime model', () => {
  const model = randomCondensedModel();
  const size = model.config.inputSize;

  it('predicts RGBA images like a session on the same pixels, with probabilities and named top-k', async () => {
    const rand = seededRandom(3);
    const images = [0, 1].map(() => ({ data: Uint8ClampedArray.from(randomArray(size * size * 4, rand, 0, 255)), width: size, height: size }));
    const pixels = new Float32Array(2 * size * size * 3);
    images.forEach((im, n) => {
      for (let p = 0; p < size * size; p++) for (let k = 0; k < 3; k++) pixels[(n * size * size + p) * 3 + k] = im.data[p * 4 + k] / 255;
    });
    const { json, weights } = encodeArtifact(model);
    for (const backend of ['cpu', 'wasm'] as const) {
      const runtime = await loadModel({ json, weights }, { backend, kernels: await testKernels() });
      expect(runtime.backend).toBe(backend);
      await runtime.warmUp();
      const out = await runtime.predict(images);
      const session = await createSession(model, { backend, kernels: await testKernels() });
      expectClose(out.logits, await session.run(pixels, 2), 1e-5);
      expect(out.probabilities.slice(0, 3).reduce((a, b) => a + b)).toBeCloseTo(1, 5);
      const [best] = out.topK(1)[0];
      expect(best.className).toBe(`class ${best.index}`);
      expect(out.topK(2)[1][0].logit).toBeGreaterThanOrEqual(out.topK(2)[1][1].logit);
      runtime.dispose();
      await expect(runtime.predict(images)).rejects.toThrow(/disposed/);
    }
  });

  it('leaves the tensor count unchanged over 1,000 predictions on the stock-op path', async () => {
    // group3x3 2 keeps the kernels out, so every prediction runs tfjs ops.
    const odd = randomCondensedModel({ stages: [1, 1], growth: [4, 6], group3x3: 2, poolSize: 16, numClasses: 3 });
    const runtime = await createRuntimeModel(odd, { backend: 'wasm', kernels: await testKernels() });
    expect(runtime.path).toBe('tfjs');
    const image = tf.randomUniform([1, 32, 32, 3]);
    await runtime.warmUp();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) await runtime.predict(image);
    expect(tf.memory().numTensors).toBe(before);
    image.dispose();
    runtime.dispose();
  });

  it('releases its kernel memory on dispose, so loading and disposing models does not leak', async () => {
    const kernels = await testKernels();
    const { json, weights } = encodeArtifact(model);
    const tensors = tf.memory().numTensors;
    let bytes = 0;
    for (let i = 0; i < 50; i++) {
      const runtime = await loadModel({ json, weights }, { backend: 'wasm', kernels });
      expect(runtime.path).toBe('wasm-kernels');
      await runtime.warmUp();
      runtime.dispose();
      runtime.dispose();
      expect(kernels.liveAllocations).toBe(0);
      if (i === 0) bytes = kernels.exports.memory.buffer.byteLength;
    }
    expect(kernels.exports.memory.buffer.byteLength).toBe(bytes);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
