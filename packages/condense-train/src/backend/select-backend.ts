import * as tf from '@tensorflow/tfjs-core';

export type BackendChoice = 'auto' | 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * `auto` tries the fastest first: TensorFlow's native library (tfjs-node-gpu, then tfjs-node, if
 * the user installed one), WebGPU (only where `navigator.gpu` exists), wasm, then cpu. Each is an
 * optional package loaded at run time, so none is needed to install or test this one.
 */
export const AUTO_ORDER: readonly Exclude<BackendChoice, 'auto'>[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface SelectedBackend {
  /** tfjs's name for the backend now active ('tensorflow', 'webgpu', 'wasm', 'cpu', ...). */
  name: string;
  /** Which package provided it, for the user. */
  source: string;
}

const MODULES: Record<Exclude<BackendChoice, 'auto'>, string[]> = {
  tensorflow: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
  webgpu: ['@tensorflow/tfjs-backend-webgpu'],
  webgl: ['@tensorflow/tfjs-backend-webgl'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  cpu: ['@tensorflow/tfjs-backend-cpu'],
};

/** Activates the requested backend (or the best available for 'auto') and says which it got. */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<SelectedBackend> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new Error(`unknown backend '${choice}'; choose one of ${BACKEND_CHOICES.join(', ')}`);
  }
  const candidates = choice === 'auto' ? AUTO_ORDER : [choice];
  const reasons: string[] = [];
  for (const backend of candidates) {
    if (backend === 'webgpu' && !(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
      reasons.push('webgpu: navigator.gpu is not available here');
      continue;
    }
    for (const specifier of MODULES[backend]) {
      try {
        await import(specifier);
      } catch (e) {
        reasons.push(`${backend}: ${specifier} is not installed (${(e as Error).message.split('\n')[0]})`);
        continue;
      }
      try {
        if (await tf.setBackend(backend)) {
          await tf.ready();
          return { name: tf.getBackend(), source: specifier };
        }
        reasons.push(`${backend}: ${specifier} loaded but the backend did not initialise`);
      } catch (e) {
        reasons.push(`${backend}: ${(e as Error).message}`);
      }
    }
  }
  throw new Error(`no usable TensorFlow.js backend for '${choice}':\n  ${reasons.join('\n  ')}`);
}
