import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, expect, it, vi } from 'vitest';
import { createSession } from '../../session/session.js';
import { describeBackendConformance, localTarget } from '../../test-support/conformance.js';
import { goldenTiny } from '../../test-support/golden-model.js';
import { KernelModule } from '../wasm/kernel-module.js';
import { cpuConfig } from './index.js';

describeBackendConformance(localTarget(cpuConfig, 'cpu'));

afterEach(() => {
  vi.restoreAllMocks();
});

it('frees all the kernel memory of the JavaScript port each session gets', async () => {
  const { model, images, shape } = goldenTiny();
  const modules: KernelModule[] = [];
  const javascript = KernelModule.javascript.bind(KernelModule);
  vi.spyOn(KernelModule, 'javascript').mockImplementation(() => {
    modules.push(javascript());
    return modules[modules.length - 1];
  });
  const tensors = tf.memory().numTensors;
  for (let i = 0; i < 50; i++) {
    const session = await createSession(model, { backend: 'cpu' });
    expect(session.path).toBe('js-kernels');
    await session.run(images, shape[0]);
    expect(modules[i].liveAllocations).toBeGreaterThan(0);
    session.dispose();
    expect(modules[i].liveAllocations).toBe(0);
  }
  expect(modules).toHaveLength(50);
  expect(tf.memory().numTensors).toBe(tensors);
});
