// A kernel worker thread (Web Worker or Node worker_threads): instantiates the threads build of
// the kernels on the pool's shared memory and runs the programs it is sent. Loaded by URL, never
// imported; Node's bootstrap (node-threads.ts) hands it its parentPort as `kernelWorkerPort`.
import type { KernelExports } from './exports.js';
import { runProgram } from './program.js';
import { barrier, Control, RunAborted } from './thread-control.js';
import type { FromWorker, RunMessage, ToWorker } from './worker-protocol.js';

interface Port {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: { data: ToWorker }) => void): void;
}

const port = (globalThis as { kernelWorkerPort?: Port }).kernelWorkerPort ?? (globalThis as unknown as Port);
let kernels: KernelExports | undefined;
let ctl: Int32Array | undefined;

function run(m: RunMessage, k: KernelExports, c: Int32Array): void {
  if (m.mode === 'images') {
    for (;;) {
      if (Atomics.load(c, Control.abort)) throw new RunAborted();
      const n = Atomics.add(c, Control.next, 1);
      if (n >= m.batch) return;
      runProgram(k, m.program, n);
    }
  }
  const wait = () => barrier(c, m.parties);
  for (let n = 0; n < m.batch; n++) {
    // Part 0's head of image n still reads the last feature map the next image overwrites.
    if (n > 0) wait();
    runProgram(k, m.program, n, wait);
  }
}

port.addEventListener('message', async ({ data }) => {
  if (data.type === 'init') {
    const instance = await WebAssembly.instantiate(data.module, { env: { memory: data.memory } });
    kernels = { ...(instance.exports as unknown as KernelExports), memory: data.memory };
    ctl = new Int32Array(data.control);
    port.postMessage({ type: 'ready' });
    return;
  }
  try {
    if (!kernels || !ctl) throw new Error('kernel worker: run before init');
    run(data, kernels, ctl);
    port.postMessage({ type: 'done' });
  } catch (e) {
    port.postMessage({ type: 'failed', message: (e as Error).message, aborted: e instanceof RunAborted });
  }
});
port.postMessage({ type: 'loaded' });
