import { buildPlan, presetConfig } from '@condensenet/core';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KernelModule } from '../kernels/kernel-module.js';
import { expectClose } from '../test-support/close.js';
import { goldenTiny } from '../test-support/golden-model.js';
import { testKernels } from '../test-support/kernels.js';
import { randomCondensedModel } from '../test-support/model.js';
import { randomArray, seededRandom } from '../test-support/rng.js';
import { TfjsForward } from './tfjs-forward.js';
import { kernelPathObstacle, KernelForward } from './kernel-forward.js';

describe.each(['wasm', 'js'] as const)('KernelForward (%s kernels)', (kind) => {
  let kernels: KernelModule;
  beforeAll(async () => {
    kernels = await testKernels(kind);
  });

  it("reproduces the reference's logits for the converted condensenet_tiny", () => {
    const { model, images, shape, logits } = goldenTiny();
    const forward = new KernelForward(kernels, model);
    expectClose(forward.predict(images, shape[0]), logits, 1e-4);
    // Images run one at a time, so a batch of one gives the same logits.
    const one = shape[1] * shape[2] * shape[3];
    expectClose(forward.predict(images.subarray(one, 2 * one), 1), logits.subarray(10, 20), 1e-4);
  });

  it('runs an ImageNet-kind model (stride-2 stem) like the stock tfjs ops do', async () => {
    await tf.setBackend('cpu');
    const model = randomCondensedModel({ stages: [1, 2], growth: [4, 8], data: 'imagenet', inputSize: 32, poolSize: 8, numClasses: 5 });
    const images = randomArray(2 * 32 * 32 * 3, seededRandom(3), 0, 1);
    const stock = new TfjsForward(model);
    const x = tf.tensor4d(images, [2, 32, 32, 3]);
    const y = stock.predict(x);
    expectClose(new KernelForward(kernels, model).predict(images, 2), y.dataSync(), 1e-4);
    tf.dispose([x, y]);
    stock.dispose();
  });

  it('takes the paper presets and names what keeps others off the kernels', () => {
    for (const name of ['condensenet-86', 'condensenet-182', 'condensenet-74-c4', 'condensenet-74-c8']) {
      expect(kernelPathObstacle(buildPlan(presetConfig(name)))).toBeUndefined();
    }
    expect(kernelPathObstacle(buildPlan(presetConfig('densenet-bc-100')))).toMatch(/group1x1 = 1/);
  });
});
