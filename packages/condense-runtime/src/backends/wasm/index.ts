import { buildPlan } from '@condensenet/core';
import type { CondensedModel } from '../../artifact/types.js';
import type { BackendConfig, Forward } from '../backend.js';
import { kernelPathObstacle, KernelForward } from './forward.js';
import type { KernelModule } from './kernel-module.js';
import { loadKernels } from './load.js';

/** The model on `kernels` (the SIMD build or its JavaScript port), without any tfjs op. */
export function kernelForward(kernels: KernelModule, model: CondensedModel): Forward {
  const forward = new KernelForward(kernels, model);
  return {
    run: async (images, batch) => forward.predict(images, batch),
    dispose: () => forward.dispose(),
    ...(kernels.kind === 'js' ? { path: 'js-kernels' as const } : {}),
  };
}

/** Models whose shapes fit the SIMD kernels, on them: `SessionOptions.kernels`, else the shipped kernels.wasm fetched. */
export const wasmConfig: BackendConfig = {
  name: 'wasm',
  runsOn: 'wasm',
  path: 'wasm-kernels',
  unavailableReason: (model) => kernelPathObstacle(buildPlan(model.config)),
  createForward: async (model, { kernels }) => kernelForward(kernels ?? (await loadKernels()), model),
};
