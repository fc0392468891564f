import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
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
});
