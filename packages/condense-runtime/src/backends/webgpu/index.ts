import type { BackendConfig } from '../backend.js';
import { isWebGPUProgramRunner } from './runner.js';

/** Every model, on WGSL programs of this package run through the webgpu backend, a whole batch per dispatch. */
export const webgpuConfig: BackendConfig = {
  name: 'webgpu',
  runsOn: 'webgpu',
  path: 'webgpu-kernels',
  unavailableReason: (_model, { backend }) =>
    isWebGPUProgramRunner(backend) ? undefined : 'the webgpu backend has no runWebGPUProgram (not @tensorflow/tfjs-backend-webgpu 4.x?)',
  async createForward(model, { backend }) {
    // Imported here only, so sessions on other backends never load the WGSL programs.
    const { WebGPUForward } = await import('./forward.js');
    if (!isWebGPUProgramRunner(backend)) throw new Error('webgpu: the backend cannot run WGSL programs');
    const forward = new WebGPUForward(backend, model);
    return { run: (images, batch) => forward.predict(images, batch), dispose: () => forward.dispose() };
  },
};
