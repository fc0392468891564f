import type { Requirement } from './requirements.js';

type Dawn = typeof import('webgpu');

/** Dawn's OpenGL ES backend on Mesa: EGL without a display (libEGL.so is what Dawn opens) and llvmpipe. */
export const INSTALL_MESA = "a GPU driver, or Mesa's EGL and software renderer: `apt-get install libegl-dev libegl-mesa0 libgl1-mesa-dri`";

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
  return `Dawn found no adapter (tried ${tried.join(', ')})`;
}

/**
 * Gives Node a browser's `navigator.gpu` through Dawn, naming the adapter it found, or says why it
 * cannot (no `webgpu` package, a dawn.node this system cannot load, no adapter). Call it before
 * the first import of `@tensorflow/tfjs-backend-webgpu`, which registers its backend only if
 * `navigator.gpu` exists by then.
 */
export async function exposeDawnGpu(): Promise<Requirement> {
  let dawn: Dawn;
  try {
    dawn = await import('webgpu');
  } catch (e) {
    return {
      missing: `the webgpu package (Dawn for Node) did not load: ${(e as Error).message.split('\n')[0]}`,
      install: 'the devDependency `webgpu` (`npx -y pnpm@10.34.9 install`) on a system its dawn.node supports',
    };
  }
  Object.assign(globalThis, dawn.globals);
  const source = await adapterSource(dawn);
  if (typeof source === 'string') return { missing: source, install: INSTALL_MESA };
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
  return { found: [adapter.info.vendor, adapter.info.device, adapter.info.description].filter(Boolean).join(' ') || 'unnamed adapter' };
}
