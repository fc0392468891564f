import { buildPlan } from '@condensenet/core';
import type { BackendConfig } from '../backend.js';
import { kernelForward } from '../wasm/index.js';
import { kernelPathObstacle } from '../wasm/forward.js';
import { KernelModule } from '../wasm/kernel-module.js';

/**
 * Models whose shapes fit the kernels, on their JavaScript port (a module of its own per
 * session): tfjs's cpu convs are plain JavaScript too, and stock ops would gather channels
 * slowly and then run the grouped convs densely.
 */
export const cpuConfig: BackendConfig = {
  name: 'cpu',
  runsOn: 'cpu',
  path: 'js-kernels',
  unavailableReason: (model) => kernelPathObstacle(buildPlan(model.config)),
  createForward: async (model) => kernelForward(KernelModule.javascript(), model),
};
