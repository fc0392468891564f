import { describe, expect, it } from 'vitest';
import { compileKernels } from '../../scripts/compile-kernels.mjs';
import { TRAIN_KERNELS_WASM_BASE64 } from './train-kernels-wasm.js';

describe('train-kernels-wasm.ts', () => {
  it('holds the current build of asm/train-kernels.ts (run scripts/build-wasm.mjs after editing it)', async () => {
    expect(TRAIN_KERNELS_WASM_BASE64).toBe(Buffer.from(await compileKernels()).toString('base64'));
  });
});
