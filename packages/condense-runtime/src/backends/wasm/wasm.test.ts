import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { createSession } from '../../session/session.js';
import { describeBackendConformance, localTarget } from '../../test-support/conformance.js';
import { goldenTiny } from '../../test-support/golden-model.js';
import { testKernels } from '../../test-support/kernels.js';
import { wasmConfig } from './index.js';

describeBackendConformance(localTarget(wasmConfig, 'wasm', () => testKernels()));

it('frees all its kernel memory: 50 sessions on one module neither grow it nor leak allocations', async () => {
  const { model, images, shape } = goldenTiny();
  const kernels = await testKernels();
  const tensors = tf.memory().numTensors;
  const cycle = async () => {
    const session = await createSession(model, { backend: 'wasm', kernels });
    expect(session.path).toBe('wasm-kernels');
    await session.run(images, shape[0]);
    session.dispose();
  };
  // A session alive throughout: freed sessions' space must be reused around it.
  const resident = await createSession(model, { backend: 'wasm', kernels });
  const live = kernels.liveAllocations;
  await cycle();
  const bytes = kernels.exports.memory.buffer.byteLength;
  for (let i = 1; i < 50; i++) await cycle();
  expect(kernels.liveAllocations).toBe(live);
  expect(kernels.exports.memory.buffer.byteLength).toBe(bytes);
  resident.dispose();
  expect(kernels.liveAllocations).toBe(0);
  expect(tf.memory().numTensors).toBe(tensors);
});
