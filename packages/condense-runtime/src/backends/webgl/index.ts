import type { BackendConfig } from '../backend.js';
import { isWebGLProgramRunner } from './runner.js';

/** Every model, on GLSL programs of this package run through the webgl backend, a whole batch per draw. */
export const webglConfig: BackendConfig = {
  name: 'webgl',
  runsOn: 'webgl',
  path: 'webgl-kernels',
  unavailableReason: (_model, { backend }) =>
    isWebGLProgramRunner(backend) ? undefined : 'the webgl backend has no compileAndRun (not @tensorflow/tfjs-backend-webgl 4.x?)',
  async createForward(model, { backend }) {
    // Imported here only, so sessions on other backends never load the GLSL programs.
    const { WebGLForward } = await import('./forward.js');
    if (!isWebGLProgramRunner(backend)) throw new Error('webgl: the backend cannot run GLSL programs');
    const forward = new WebGLForward(backend, model);
    return { run: (images, batch) => forward.predict(images, batch), dispose: () => forward.dispose() };
  },
};
