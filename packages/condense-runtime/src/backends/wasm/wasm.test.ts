import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createSession } from '../../session/session.js';
import type { BackendConfig } from '../backend.js';
import { describeBackendConformance, localTarget } from '../../test-support/conformance.js';
import { goldenTiny } from '../../test-support/golden-model.js';
import { testKernels, testThreadHost } from '../../test-support/kernels.js';
import { wasmConfig } from './index.js';

describeBackendConformance(localTarget(wasmConfig, 'wasm', () => testKernels()));
describeBackendConformance(localTarget({ ...wasmConfig, name: 'wasm, relaxed-SIMD build' }, 'wasm', () => testKernels('relaxed')));

// The whole conformance suite again on two worker threads (the config with threads forced on).
const threadedWasmConfig: BackendConfig = {
  ...wasmConfig,
  name: 'wasm on 2 threads',
  createForward: (model, ctx) => wasmConfig.createForward(model, { ...ctx, threads: 2, threadHost: testThreadHost() }),
};
describeBackendConformance(localTarget(threadedWasmConfig, 'wasm'));

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

describe('threads', () => {
  it('a session on worker threads reports them and gives the one-thread logits bit for bit', async () => {
    const { model, images, shape } = goldenTiny();
    const one = await createSession(model, { backend: 'wasm', kernels: await testKernels('relaxed') });
    const two = await createSession(model, { backend: 'wasm', threads: 2, threadHost: testThreadHost() });
    try {
      expect([one.threads, two.threads, two.path]).toEqual([1, 2, 'wasm-kernels']);
      expect([one.kernelBuild, two.kernelBuild]).toEqual(['relaxed-simd', 'relaxed-simd']);
      expect(two.threadsReason).toBeUndefined();
      expect(await two.run(images, shape[0])).toEqual(await one.run(images, shape[0]));
    } finally {
      one.dispose();
      two.dispose();
    }
  });

  it('relaxedSimd: false runs the SIMD build; it, the relaxed build and the JavaScript port differ only by rounding', async () => {
    const { model, images, shape } = goldenTiny();
    const strict = await createSession(model, { backend: 'wasm', threads: 2, threadHost: testThreadHost(), relaxedSimd: false });
    const relaxed = await createSession(model, { backend: 'wasm', threads: 2, threadHost: testThreadHost() });
    const port = await createSession(model, { backend: 'wasm', kernels: await testKernels('js') });
    try {
      expect([strict.kernelBuild, relaxed.kernelBuild, port.kernelBuild, port.path]).toEqual(['simd', 'relaxed-simd', 'javascript', 'js-kernels']);
      const exact = await strict.run(images, shape[0]);
      const scale = Math.max(...exact.map(Math.abs));
      const apart = (a: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - exact[i])));
      expect(apart(await port.run(images, shape[0]))).toBeLessThan(1e-5 * scale);
      const fused = await relaxed.run(images, shape[0]);
      expect(apart(fused)).toBeLessThan(1e-5 * scale);
      // x64 with FMA3 fuses: the two builds' logits must not be the same array of bits there.
      if (process.arch === 'x64') expect(fused).not.toEqual(exact);
    } finally {
      strict.dispose();
      relaxed.dispose();
      port.dispose();
    }
  });

  it('defaults to every core of the host, and to one thread, saying why, where the host has no shared memory or workers', async () => {
    const { model } = goldenTiny();
    const all = await createSession(model, { backend: 'wasm', threadHost: testThreadHost(3) });
    expect(all.threads).toBe(3);
    all.dispose();
    const host = { ...testThreadHost(), unavailableReason: () => 'SharedArrayBuffer is not available' };
    const none = await createSession(model, { backend: 'wasm', threadHost: host, kernels: await testKernels(), threads: 2 });
    expect([none.threads, none.threadsReason]).toEqual([1, '2 threads asked, 1 used: SharedArrayBuffer is not available']);
    none.dispose();
    const broken = { ...testThreadHost(), compileKernels: () => Promise.reject(new Error('no kernels-threads.wasm')) };
    const fallback = await createSession(model, { backend: 'wasm', threadHost: broken, kernels: await testKernels(), threads: 2 });
    expect([fallback.threads, fallback.threadsReason]).toEqual([1, '2 threads asked, 1 used: the kernel workers did not start (no kernels-threads.wasm)']);
    fallback.dispose();
    await expect(createSession(model, { backend: 'wasm', threads: 0 })).rejects.toThrow(/threads = 0: expected a positive integer/);
  });
});
