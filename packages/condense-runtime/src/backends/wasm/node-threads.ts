import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { enableRelaxedSimd } from './node-relaxed-simd.js';
import type { ThreadHost } from './thread-host.js';

/** Beside this module in dist/backends/wasm/, where the package build puts them. */
export const KERNEL_WORKER_URL = new URL('./kernel-worker.js', import.meta.url);
export const KERNELS_THREADS_WASM_URL = new URL('./kernels-threads.wasm', import.meta.url);
export const KERNELS_THREADS_RELAXED_WASM_URL = new URL('./kernels-threads-relaxed.wasm', import.meta.url);

// The worker script is written for Web Workers (messages on its global scope); in Node it gets
// worker_threads' parentPort, an EventTarget with the same addEventListener / postMessage. A
// data: URL module, not `eval`, so the bootstrap is ESM whatever flags the process runs with.
const BOOTSTRAP = new URL(
  `data:text/javascript,${encodeURIComponent(
    "import { parentPort, workerData } from 'node:worker_threads'; globalThis.kernelWorkerPort = parentPort; await import(workerData.url);",
  )}`,
);

/**
 * Kernel workers on Node's worker_threads; `worker`, `wasm` and `relaxedWasm` (the two threads
 * builds) default to the shipped files. The relaxed one turns relaxed SIMD on (enableRelaxedSimd).
 */
export function nodeThreadHost(files: { worker?: URL; wasm?: URL; relaxedWasm?: URL } = {}): ThreadHost {
  const workerUrl = files.worker ?? KERNEL_WORKER_URL;
  const wasmUrl = files.wasm ?? KERNELS_THREADS_WASM_URL;
  const relaxedUrl = files.relaxedWasm ?? KERNELS_THREADS_RELAXED_WASM_URL;
  return {
    cores: availableParallelism(),
    unavailableReason: () => (typeof SharedArrayBuffer === 'undefined' ? 'SharedArrayBuffer is not available' : undefined),
    compileKernels: async ({ relaxedSimd }) => WebAssembly.compile(await readFile(relaxedSimd && enableRelaxedSimd() ? relaxedUrl : wasmUrl)),
    spawn(events) {
      const worker = new Worker(BOOTSTRAP, { workerData: { url: workerUrl.href } });
      let ended = false;
      let error: string | undefined;
      worker.on('message', (data) => events.message(data));
      worker.on('error', (e) => {
        error = e.message;
      });
      worker.on('exit', (code) => {
        if (!ended) events.exit(error ?? `exit code ${code}`);
        ended = true;
      });
      return {
        postMessage: (message) => worker.postMessage(message),
        terminate: () => {
          ended = true;
          void worker.terminate();
        },
        hold: (on) => (on ? worker.ref() : worker.unref()),
      };
    },
  };
}
