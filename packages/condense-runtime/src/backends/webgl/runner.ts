import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { WebGLProgram } from './programs.js';

/** The part of tfjs-backend-webgl's `MathBackendWebGL` a session uses. */
export interface WebGLProgramRunner {
  compileAndRun(program: WebGLProgram, inputs: TensorInfo[], outputDtype?: 'float32'): TensorInfo;
}

export function isWebGLProgramRunner(backend: unknown): backend is WebGLProgramRunner {
  return typeof (backend as Partial<WebGLProgramRunner> | undefined)?.compileAndRun === 'function';
}
