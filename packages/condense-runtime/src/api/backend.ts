import * as tf from '@tensorflow/tfjs-core';

export type BackendChoice = 'auto' | 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendName = Exclude<BackendChoice, 'auto'>;

export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * What `auto` tries, fastest first: TensorFlow's native library, then the GPU backends, then
 * wasm (this package's SIMD kernels), then cpu (their JavaScript port).
 */
export const AUTO_ORDER: readonly BackendName[] = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * Makes a backend's package available before it is tried: the Node entry imports the optional
 * tfjs packages here; in a browser the page imports (and so registers) the backends it ships.
 */
export type BackendLoader = (backend: BackendName) => Promise<void>;

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

/**
 * Activates `choice` (or, for `auto`, the first of AUTO_ORDER that is registered and
 * initialises) and returns tfjs's name for it. webgpu is skipped without `navigator.gpu`, so
 * `auto` never waits on an adapter request that cannot succeed.
 */
export async function selectBackend(choice: BackendChoice = 'auto', load?: BackendLoader): Promise<BackendName> {
  if (!BACKEND_CHOICES.includes(choice)) throw new BackendError(`unknown backend '${String(choice)}'; choose one of ${BACKEND_CHOICES.join(', ')}`);
  const reasons: string[] = [];
  for (const backend of choice === 'auto' ? AUTO_ORDER : [choice]) {
    if (backend === 'webgpu' && !(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
      reasons.push('webgpu: navigator.gpu is not available here');
      continue;
    }
    try {
      await load?.(backend);
    } catch (e) {
      reasons.push(`${backend}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    if (!tf.findBackendFactory(backend)) {
      reasons.push(`${backend}: not registered (import its @tensorflow/tfjs-backend-* package)`);
      continue;
    }
    try {
      // A failed setBackend leaves tfjs's current name set all the same: only an initialised
      // backend (findBackend) counts as already active.
      const active = tf.getBackend() === backend && tf.findBackend(backend) != null;
      if (active || (await tf.setBackend(backend))) {
        await tf.ready();
        return backend;
      }
      reasons.push(`${backend}: registered but did not initialise`);
    } catch (e) {
      reasons.push(`${backend}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new BackendError(`no usable TensorFlow.js backend for '${choice}': ${reasons.join('; ')}`);
}
