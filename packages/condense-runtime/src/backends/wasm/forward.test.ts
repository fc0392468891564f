import { buildPlan, presetConfig } from '@condensenet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../test-support/close.js';
import { goldenTiny } from '../../test-support/golden-model.js';
import { testKernels } from '../../test-support/kernels.js';
import { kernelPathObstacle, KernelForward } from './forward.js';
import type { KernelModule } from './kernel-module.js';

describe.each(['wasm', 'relaxed', 'js'] as const)('KernelForward (%s kernels)', (kind) => {
  let kernels: KernelModule;
  beforeAll(async () => {
    kernels = await testKernels(kind);
  });

  it('runs a batch one image at a time, so a batch of one gives the same logits', () => {
    const { model, images, shape, logits } = goldenTiny();
    const forward = new KernelForward(kernels, model);
    const one = shape[1] * shape[2] * shape[3];
    expectClose(forward.predict(images.subarray(one, 2 * one), 1), logits.subarray(10, 20), 1e-4);
    forward.dispose();
  });

  it('takes the paper presets and names what keeps others off the kernels', () => {
    for (const name of ['condensenet-86', 'condensenet-182', 'condensenet-74-c4', 'condensenet-74-c8']) {
      expect(kernelPathObstacle(buildPlan(presetConfig(name)))).toBeUndefined();
    }
    expect(kernelPathObstacle(buildPlan(presetConfig('densenet-bc-100')))).toMatch(/group1x1 = 1/);
  });
});
