import { buildPlan, presetConfig } from '@condensenet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { expectClose } from '../test-support/close.js';
import { goldenTiny } from '../test-support/golden-model.js';
import { testKernels } from '../test-support/kernels.js';
import { kernelPathObstacle, WasmForward } from './wasm-forward.js';

describe('WasmForward', () => {
  let kernels: WasmKernels;
  beforeAll(async () => {
    kernels = await testKernels();
  });

  it("reproduces the reference's logits for the converted condensenet_tiny", () => {
    const { model, images, shape, logits } = goldenTiny();
    const forward = new WasmForward(kernels, model);
    expectClose(forward.predict(images, shape[0]), logits, 1e-4);
    // Images run one at a time, so a batch of one gives the same logits.
    const one = shape[1] * shape[2] * shape[3];
    expectClose(forward.predict(images.subarray(one, 2 * one), 1), logits.subarray(10, 20), 1e-4);
  });

  it('takes the CIFAR presets and names what keeps others off the kernels', () => {
    expect(kernelPathObstacle(buildPlan(presetConfig('condensenet-86')))).toBeUndefined();
    expect(kernelPathObstacle(buildPlan(presetConfig('condensenet-74-c4')))).toMatch(/stem stride 2/);
    expect(kernelPathObstacle(buildPlan(presetConfig('densenet-bc-100')))).toMatch(/group1x1 = 1/);
  });
});
