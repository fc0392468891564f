import * as tf from '@tensorflow/tfjs-core';
import type { CondensedModel } from '../artifact/types.js';
import { loadKernels } from '../kernels/load.js';
import type { WasmKernels } from '../kernels/wasm-kernels.js';
import { layerWeights } from './layer-weights.js';
import { TfjsForward } from './tfjs-forward.js';
import { kernelPathObstacle, WasmForward } from './wasm-forward.js';

export interface SessionOptions {
  /** tfjs backend to run on; default the current one. Setting it switches tfjs's global backend. */
  backend?: string;
  /**
   * Kernels for the wasm path. Default: `loadKernels()`, which fetches the shipped kernels.wasm
   * (browsers); in Node pass `await loadKernelsFromFile()` from `@condensenet/runtime/node`.
   */
  kernels?: WasmKernels;
}

export interface Session {
  readonly backend: string;
  /** `wasm-kernels` on the wasm backend when the model fits the kernels, `tfjs` otherwise. */
  readonly path: 'wasm-kernels' | 'tfjs';
  /** Why the wasm backend fell back to stock ops, when it did. */
  readonly fallbackReason?: string;
  readonly classes: readonly string[];
  /** images: `batch` NHWC images in [0, 1]; returns logits [batch, classes]. */
  run(images: Float32Array, batch: number): Promise<Float32Array>;
  dispose(): void;
}

/**
 * Runs a condensed model: on the wasm backend with this package's SIMD kernels (no tfjs op on
 * the hot path), on every other backend (and for models the kernels do not fit) with stock
 * tfjs-core ops.
 */
export async function createSession(model: CondensedModel, options: SessionOptions = {}): Promise<Session> {
  if (options.backend && tf.getBackend() !== options.backend) {
    if (!(await tf.setBackend(options.backend))) throw new Error(`createSession: backend ${options.backend} did not initialise`);
  }
  await tf.ready();
  const backend = tf.getBackend();
  const classes = [...model.classes];
  const obstacle = backend === 'wasm' ? kernelPathObstacle(layerWeights(model).plan) : undefined;
  if (backend === 'wasm' && !obstacle) {
    const forward = new WasmForward(options.kernels ?? (await loadKernels()), model);
    return {
      backend,
      path: 'wasm-kernels',
      classes,
      run: async (images, batch) => forward.predict(images, batch),
      dispose: () => {},
    };
  }
  const forward = new TfjsForward(model);
  const size = model.config.inputSize;
  const channels = model.config.inputChannels;
  return {
    backend,
    path: 'tfjs',
    ...(obstacle ? { fallbackReason: obstacle } : {}),
    classes,
    run: async (images, batch) => {
      const x = tf.tensor4d(images, [batch, size, size, channels]);
      const y = forward.predict(x);
      try {
        return (await y.data()) as Float32Array;
      } finally {
        tf.dispose([x, y]);
      }
    },
    dispose: () => forward.dispose(),
  };
}
