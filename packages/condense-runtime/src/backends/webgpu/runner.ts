import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { Uniform, WebGPUProgram } from './programs.js';

/** The part of tfjs-backend-webgpu's `WebGPUBackend` a session uses. */
export interface WebGPUProgramRunner {
  /** With `output`, the program writes into that existing tensor's buffer instead of a new one. */
  runWebGPUProgram(program: WebGPUProgram, inputs: TensorInfo[], outputDtype: 'float32', uniforms: Uniform[], output?: TensorInfo): TensorInfo;
}

export function isWebGPUProgramRunner(backend: unknown): backend is WebGPUProgramRunner {
  return typeof (backend as Partial<WebGPUProgramRunner> | undefined)?.runWebGPUProgram === 'function';
}
