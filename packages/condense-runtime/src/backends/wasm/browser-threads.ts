import { relaxedSimdSupported } from './relaxed-simd.js';
import type { ThreadHost } from './thread-host.js';

/**
 * Kernel workers as module Web Workers. Their URLs sit beside this module, as the package build
 * puts them; bundlers that understand `new URL(..., import.meta.url)` copy them as assets.
 */
export function browserThreadHost(
  files: { worker?: URL; wasm?: URL; relaxedWasm?: URL } = {},
): ThreadHost {
  const scope = globalThis as { Worker?: unknown; crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  return {
    cores: scope.navigator?.hardwareConcurrency ?? 1,
    unavailableReason() {
      if (typeof scope.Worker !== 'function') return 'Web Workers are not available here';
      if (typeof SharedArrayBuffer === 'undefined' || scope.crossOriginIsolated === false) {
        return 'SharedArrayBuffer needs a cross-origin isolated page (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)';
      }
      return undefined;
    },
    async compileKernels({ relaxedSimd }) {
      const url =
        relaxedSimd && relaxedSimdSupported()
          ? (files.relaxedWasm ?? new URL('./kernels-threads-relaxed.wasm', import.meta.url))
          : (files.wasm ?? new URL('./kernels-threads.wasm', import.meta.url));
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${String(url)}: HTTP ${response.status}`);
      return WebAssembly.compile(await response.arrayBuffer());
    },
    spawn(events) {
      const worker = new Worker(files.worker ?? new URL('./kernel-worker.js', import.meta.url), { type: 'module' });
      let ended = false;
      worker.onmessage = (e) => events.message(e.data);
      worker.onerror = (e) => {
        if (!ended) events.exit(e.message || 'the worker script failed to load or threw');
        ended = true;
      };
      return {
        postMessage: (message) => worker.postMessage(message),
        terminate: () => {
          ended = true;
          worker.terminate();
        },
        hold: () => {},
      };
    },
  };
}
