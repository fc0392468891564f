import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import type { BackendConfig } from '../backends/backend.js';
import { BACKEND_CONFIGS, chooseBackendConfig } from '../backends/registry.js';
import { webglConfig } from '../backends/webgl/index.js';
import { webgpuConfig } from '../backends/webgpu/index.js';
import { goldenTiny } from '../test-support/golden-model.js';
import { testKernels } from '../test-support/kernels.js';
import { randomCondensedModel } from '../test-support/model.js';
import { createSession } from './session.js';

const GOLDEN = goldenTiny().model;
const ODD = randomCondensedModel({ stages: [1, 1], growth: [4, 6], group3x3: 2, poolSize: 16, numClasses: 3 });

describe('createSession', () => {
  it('takes the wasm kernels on wasm and their JavaScript port on cpu (also when handed to wasm)', async () => {
    const paths = [];
    for (const [backend, kernels] of [['wasm', await testKernels()], ['cpu', undefined], ['wasm', await testKernels('js')]] as const) {
      const session = await createSession(GOLDEN, { backend, ...(kernels ? { kernels } : {}) });
      paths.push([session.backend, session.path, session.fallbackReason]);
      session.dispose();
    }
    expect(paths).toEqual([['wasm', 'wasm-kernels', undefined], ['cpu', 'js-kernels', undefined], ['wasm', 'js-kernels', undefined]]);
  });

  it.each(['wasm', 'cpu'])('falls back to stock ops on %s when the kernels do not fit, and says why', async (backend) => {
    const session = await createSession(ODD, { backend, kernels: await testKernels() });
    expect(session.path).toBe('tfjs');
    expect(session.fallbackReason).toMatch(/growth 6 with group3x3 = 2 does not fill whole SIMD vectors/);
    expect(await session.run(new Float32Array(2 * 32 * 32 * 3).fill(0.5), 2)).toHaveLength(6);
    session.dispose();
  });
});

describe('the backend registry', () => {
  it('has unique names and ends with the stock-op config, which serves every backend and every model', () => {
    expect(new Set(BACKEND_CONFIGS.map((c) => c.name)).size).toBe(BACKEND_CONFIGS.length);
    const last = BACKEND_CONFIGS[BACKEND_CONFIGS.length - 1];
    expect([last.name, last.runsOn]).toEqual(['tfjs', undefined]);
    expect(chooseBackendConfig(ODD, 'tensorflow', { backend: {} })).toEqual({ config: last });
  });

  it('passes over a GPU backend without its program runner, saying why', () => {
    expect(chooseBackendConfig(GOLDEN, 'webgpu', { backend: {} })).toEqual({
      config: BACKEND_CONFIGS[BACKEND_CONFIGS.length - 1],
      fallbackReason: webgpuConfig.unavailableReason(GOLDEN, { backend: {} }),
    });
    expect(webgpuConfig.unavailableReason(GOLDEN, { backend: {} })).toMatch(/no runWebGPUProgram/);
    expect(webglConfig.unavailableReason(GOLDEN, { backend: {} })).toMatch(/no compileAndRun/);
    expect(webglConfig.unavailableReason(GOLDEN, { backend: { compileAndRun: () => undefined } })).toBeUndefined();
  });

  it('takes the first config that serves the backend and the model, keeping the first refusal as the reason', () => {
    const config = (name: string, runsOn: string | undefined, refusal?: string): BackendConfig => ({
      name,
      runsOn,
      path: 'tfjs',
      unavailableReason: () => refusal,
      createForward: () => Promise.reject(new Error('not opened here')),
    });
    const configs = [config('other', 'webgl'), config('a', 'wasm', 'a refuses'), config('b', 'wasm', 'b refuses'), config('c', undefined), config('d', undefined)];
    expect(chooseBackendConfig(ODD, 'wasm', { backend: {} }, configs)).toEqual({ config: configs[3], fallbackReason: 'a refuses' });
    expect(chooseBackendConfig(ODD, 'webgl', { backend: {} }, configs)).toEqual({ config: configs[0] });
  });
});
