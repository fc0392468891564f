import * as tf from '@tensorflow/tfjs-core';

type Dawn = typeof import('webgpu');

/**
 * A GPU adapter from Dawn (npm `webgpu`): the platform's default backend (a real GPU), else
 * Dawn's OpenGL ES backend, which Mesa's software renderer (llvmpipe) serves without any GPU
 * or display, but only at WebGPU's compatibility feature level.
 */
async function adapterSource(dawn: Dawn): Promise<{ gpu: GPU; options: GPURequestAdapterOptions; adapter: GPUAdapter } | string> {
  const tried: string[] = [];
  const candidates: [string[], GPURequestAdapterOptions][] = [
    [[], {}],
    [['backend=opengles'], { featureLevel: 'compatibility' }],
  ];
  // Mesa's EGL needs no X or Wayland display on the surfaceless platform.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  for (const [flags, options] of candidates) {
    const gpu = dawn.create(flags);
    const adapter = await gpu.requestAdapter(options);
    if (adapter) return { gpu, options, adapter };
    tried.push(flags.length ? flags.join(' ') : 'default backend');
  }
  return `Dawn found no adapter (tried ${tried.join(', ')}; a software run needs Mesa's EGL/GLES libraries)`;
}

/**
 * Makes tfjs's webgpu backend usable in Node through Dawn and switches to it, or says why it
 * cannot (no `webgpu` package, a dawn.node this system cannot load, no adapter). The backend
 * package registers itself only if `navigator.gpu` exists when it is first imported.
 */
export async function setUpWebGPU(): Promise<{ ok: true; adapter: string } | { ok: false; reason: string }> {
  let dawn: Dawn;
  try {
    dawn = await import('webgpu');
  } catch (e) {
    return { ok: false, reason: `the webgpu package (Dawn for Node) did not load: ${(e as Error).message.split('\n')[0]}` };
  }
  Object.assign(globalThis, dawn.globals);
  const source = await adapterSource(dawn);
  if (typeof source === 'string') return { ok: false, reason: source };
  const { gpu, options, adapter } = source;
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    writable: true,
    value: {
      gpu: {
        requestAdapter: (o?: GPURequestAdapterOptions) => gpu.requestAdapter({ ...o, ...options }),
        getPreferredCanvasFormat: () => 'rgba8unorm',
        get wgslLanguageFeatures() {
          return gpu.wgslLanguageFeatures;
        },
      },
    },
  });
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: 'tf.setBackend("webgpu") failed on the Dawn adapter' };
  return { ok: true, adapter: [adapter.info.vendor, adapter.info.description].filter(Boolean).join(' ') || 'unnamed adapter' };
}
