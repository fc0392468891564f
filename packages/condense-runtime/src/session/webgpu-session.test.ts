import '@tensorflow/tfjs-backend-cpu';
import type { CondenseNetConfigInput } from '@condensenet/core';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { expectClose } from '../test-support/close.js';
import { describeNeeding } from '../test-support/environment.js';
import { goldenTiny } from '../test-support/golden-model.js';
import { randomCondensedModel } from '../test-support/model.js';
import { randomArray, seededRandom } from '../test-support/rng.js';
import { setUpWebGPU } from '../test-support/webgpu.js';
import { createSession } from './session.js';

/**
 * Dawn + Mesa when there is no GPU: software rendering, so models and batches stay small. Where
 * neither a GPU nor Mesa's EGL (or the `webgpu` package) is present the suite is skipped, and its
 * name says why; under CI it fails.
 */
const webgpu = await setUpWebGPU();

/**
 * The cpu session (JavaScript kernels) sums in a different order than the GPU programs and
 * tfjs's webgpu matMul, all in float32, with logits up to about 4 here: the differences seen on
 * llvmpipe stay below 1e-6. 1e-4 (relative above magnitude 1, absolute below) leaves room for
 * other GPUs' fused multiply-adds and reassociation, and a wrong index, group or shuffle
 * position still misses it by orders of magnitude.
 */
const TOLERANCE = 1e-4;

const MODELS: [string, CondenseNetConfigInput][] = [
  ['CIFAR-kind, G = 4', { stages: [2, 2], growth: [4, 8], poolSize: 16, numClasses: 3 }],
  ['ImageNet-kind stride-2 stem', { stages: [1, 2], growth: [4, 8], data: 'imagenet', inputSize: 32, poolSize: 8, numClasses: 5 }],
  // Off the SIMD kernels' shapes (growth 6, 3x3 groups of 3 channels): one group's outputs need not fill a vector.
  ['growth 6, group3x3 = 2', { stages: [1, 1], growth: [4, 6], group3x3: 2, poolSize: 16, numClasses: 3 }],
  // G = 2 with 9 outputs per group: the last of an invocation's four outputs are padding.
  ['G = 2, 9 outputs per group', { stages: [1, 2], growth: [6, 6], bottleneck: 3, group1x1: 2, group3x3: 3, condenseFactor: 2, poolSize: 16, numClasses: 3 }],
  ['DenseNet-BC-like G = C = 1', { stages: [1, 1], growth: [4, 4], group1x1: 1, group3x3: 1, condenseFactor: 1, poolSize: 16, numClasses: 3 }],
];

async function logitsOn(backend: string, model: ReturnType<typeof randomCondensedModel>, images: Float32Array, batch: number) {
  const session = await createSession(model, { backend });
  try {
    return { path: session.path, logits: await session.run(images, batch) };
  } finally {
    session.dispose();
  }
}

describeNeeding(webgpu, 'createSession on webgpu', () => {
  it("runs the WGSL programs and reproduces the reference's logits for the converted condensenet_tiny", async () => {
    const { model, images, shape, logits } = goldenTiny();
    const onGpu = await logitsOn('webgpu', model, images, shape[0]);
    expect(onGpu.path).toBe('webgpu-kernels');
    expectClose(onGpu.logits, logits, TOLERANCE);
  });

  it.each(MODELS)('gives the cpu session\'s logits for a random %s model', async (_, config) => {
    const model = randomCondensedModel(config, 11);
    const { inputSize, inputChannels } = model.config;
    const batch = 2;
    const images = randomArray(batch * inputSize * inputSize * inputChannels, seededRandom(5), 0, 1);
    const onCpu = await logitsOn('cpu', model, images, batch);
    const onGpu = await logitsOn('webgpu', model, images, batch);
    expect(onGpu.path).toBe('webgpu-kernels');
    expectClose(onGpu.logits, onCpu.logits, TOLERANCE);
  });

  it('keeps the tensor count constant over repeated runs and releases everything on dispose', async () => {
    await tf.setBackend('webgpu');
    const before = tf.memory().numTensors;
    const model = randomCondensedModel();
    const images = new Float32Array(32 * 32 * 3).fill(0.5);
    const session = await createSession(model, { backend: 'webgpu' });
    const first = await session.run(images, 1);
    const held = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      expect(await session.run(images, 1)).toEqual(first);
      expect(tf.memory().numTensors).toBe(held);
    }
    session.dispose();
    session.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(session.run(images, 1)).rejects.toThrow(/after dispose/);
  });
});
