import * as tf from '@tensorflow/tfjs-core';
import type { CondensedModel } from '../artifact/types.js';
import { loadKernels } from '../kernels/load.js';
import { KernelModule } from '../kernels/kernel-module.js';
import { layerWeights } from './layer-weights.js';
import { TfjsForward } from './tfjs-forward.js';
import { kernelPathObstacle, KernelForward } from './kernel-forward.js';

export interface SessionOptions {
  /** tfjs backend to run on; default the current one. Setting it switches tfjs's global backend. */
  backend?: string;
  /**
   * Kernels for the wasm path. Default: `loadKernels()`, which fetches the shipped kernels.wasm
   * (browsers); in Node pass `await loadKernelsFromFile()` from `@condensenet/runtime/node`.
   */
  kernels?: KernelModule;
}

export interface Session {
  readonly backend: string;
  /**
   * When the model fits the kernels: `wasm-kernels` on the wasm backend, `js-kernels` (their
   * JavaScript port) on the cpu backend; `webgpu-kernels` (WGSL programs) on the webgpu
   * backend; `webgl-kernels` (GLSL programs) on the webgl backend; `tfjs` (stock ops) otherwise.
   */
  readonly path: 'wasm-kernels' | 'js-kernels' | 'webgpu-kernels' | 'webgl-kernels' | 'tfjs';
  /** Why the wasm, cpu, webgpu or webgl backend fell back to stock ops, when it did. */
  readonly fallbackReason?: string;
  readonly classes: readonly string[];
  /** images: `batch` NHWC images in [0, 1]; returns logits [batch, classes]. */
  run(images: Float32Array, batch: number): Promise<Float32Array>;
  /**
   * Releases what the session holds: its tensors, or everything it allocated in the kernel
   * module (which a shared module reuses for later sessions). Calling it again does nothing;
   * `run` afterwards throws.
   */
  dispose(): void;
}

/**
 * Runs a condensed model: on the wasm backend with this package's SIMD kernels, on the cpu
 * backend with their JavaScript port (tfjs's cpu convs are plain JavaScript too, and stock ops
 * would gather channels slowly and then run the grouped convs densely), both without any tfjs op
 * on the hot path; on webgpu and webgl with WGSL or GLSL programs of its own run through the
 * backend; for models the kernels do not fit (and other backends) with stock tfjs-core ops.
 */
export async function createSession(model: CondensedModel, options: SessionOptions = {}): Promise<Session> {
  if (options.backend && tf.getBackend() !== options.backend) {
    if (!(await tf.setBackend(options.backend))) throw new Error(`createSession: backend ${options.backend} did not initialise`);
  }
  await tf.ready();
  const backend = tf.getBackend();
  const classes = [...model.classes];
  let gpuObstacle: string | undefined;
  if (backend === 'webgpu') {
    // Imported here only, so cpu and wasm sessions never load the WGSL programs.
    const { WebGPUForward, webgpuPathObstacle } = await import('./webgpu-forward.js');
    gpuObstacle = webgpuPathObstacle(tf.backend());
    if (!gpuObstacle) {
      const forward = new WebGPUForward(tf.backend(), model);
      return guarded({
        backend,
        path: 'webgpu-kernels',
        classes,
        run: (images, batch) => forward.predict(images, batch),
        dispose: () => forward.dispose(),
      });
    }
  }
  if (backend === 'webgl') {
    // Imported here only, so cpu, wasm and webgpu sessions never load the GLSL programs.
    const { WebGLForward, webglPathObstacle } = await import('./webgl-forward.js');
    gpuObstacle = webglPathObstacle(tf.backend());
    if (!gpuObstacle) {
      const forward = new WebGLForward(tf.backend(), model);
      return guarded({
        backend,
        path: 'webgl-kernels',
        classes,
        run: (images, batch) => forward.predict(images, batch),
        dispose: () => forward.dispose(),
      });
    }
  }
  const kernelBackend = backend === 'wasm' || backend === 'cpu';
  const obstacle = kernelBackend ? kernelPathObstacle(layerWeights(model).plan) : gpuObstacle;
  if (kernelBackend && !obstacle) {
    const kernels = backend === 'cpu' ? KernelModule.javascript() : (options.kernels ?? (await loadKernels()));
    const forward = new KernelForward(kernels, model);
    return guarded({
      backend,
      path: kernels.kind === 'wasm' ? 'wasm-kernels' : 'js-kernels',
      classes,
      run: async (images, batch) => forward.predict(images, batch),
      dispose: () => forward.dispose(),
    });
  }
  const forward = new TfjsForward(model);
  const size = model.config.inputSize;
  const channels = model.config.inputChannels;
  return guarded({
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
  });
}

/** The session with dispose made idempotent and run refused after it, whatever the path. */
function guarded(session: Session): Session {
  let disposed = false;
  return {
    ...session,
    run: async (images, batch) => {
      if (disposed) throw new Error('Session: run() after dispose(); create a new session');
      return session.run(images, batch);
    },
    dispose: () => {
      if (disposed) return;
      disposed = true;
      session.dispose();
    },
  };
}
