import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KernelModule } from '../kernels/kernel-module.js';
import { expectClose } from '../test-support/close.js';
import { goldenTiny } from '../test-support/golden-model.js';
import { testKernels } from '../test-support/kernels.js';
import { randomCondensedModel } from '../test-support/model.js';
import { createSession } from './session.js';

describe('createSession', () => {
  const { model, images, shape, logits } = goldenTiny();

  it('runs the wasm kernels on wasm and their JavaScript port on cpu, both matching the reference', async () => {
    const onWasm = await createSession(model, { backend: 'wasm', kernels: await testKernels() });
    expect(onWasm.path).toBe('wasm-kernels');
    expectClose(await onWasm.run(images, shape[0]), logits, 1e-4);
    const onCpu = await createSession(model, { backend: 'cpu' });
    expect(onCpu.path).toBe('js-kernels');
    expectClose(await onCpu.run(images, shape[0]), logits, 1e-4);
    onCpu.dispose();
  });

  it('falls back to stock ops on wasm when the kernels do not fit, and says why', async () => {
    const odd = randomCondensedModel({ stages: [1, 1], growth: [4, 6], group3x3: 2, poolSize: 16, numClasses: 3 });
    const session = await createSession(odd, { backend: 'wasm', kernels: await testKernels() });
    expect(session.path).toBe('tfjs');
    expect(session.fallbackReason).toMatch(/growth 6/);
    const out = await session.run(new Float32Array(2 * 32 * 32 * 3).fill(0.5), 2);
    expect(out).toHaveLength(6);
    session.dispose();
  });

  describe('dispose', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('frees all its kernel memory on wasm: 50 sessions on one module neither grow it nor leak allocations', async () => {
      const kernels = await testKernels();
      const tensors = tf.memory().numTensors;
      const cycle = async () => {
        const session = await createSession(model, { backend: 'wasm', kernels });
        expect(session.path).toBe('wasm-kernels');
        expectClose(await session.run(images, shape[0]), logits, 1e-4);
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

    it('frees all its kernel memory on cpu (the JavaScript port each session gets)', async () => {
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
        expectClose(await session.run(images, shape[0]), logits, 1e-4);
        expect(modules[i].liveAllocations).toBeGreaterThan(0);
        session.dispose();
        expect(modules[i].liveAllocations).toBe(0);
      }
      expect(modules).toHaveLength(50);
      expect(tf.memory().numTensors).toBe(tensors);
    });

    it.each(['wasm', 'cpu'] as const)('is idempotent, and run afterwards throws, on every path (%s)', async (backend) => {
      const odd = randomCondensedModel({ stages: [1, 1], growth: [4, 6], group3x3: 2, poolSize: 16, numClasses: 3 });
      const tensors = tf.memory().numTensors;
      for (const m of [model, odd]) {
        const session = await createSession(m, { backend, kernels: await testKernels() });
        session.dispose();
        session.dispose();
        await expect(session.run(images.subarray(0, 32 * 32 * 3), 1)).rejects.toThrow(/run\(\) after dispose\(\)/);
      }
      expect(tf.memory().numTensors).toBe(tensors);
    });
  });
});
