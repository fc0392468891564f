import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CondensedModel } from '../../artifact/types.js';
import { goldenTiny } from '../../test-support/golden-model.js';
import { testKernels, testThreadHost } from '../../test-support/kernels.js';
import { randomCondensedModel } from '../../test-support/model.js';
import { randomArray, seededRandom } from '../../test-support/rng.js';
import { KernelForward } from './forward.js';
import type { KernelModule } from './kernel-module.js';
import type { KernelWorker, ThreadHost } from './thread-host.js';
import { THREADS_MAX_PAGES as BUILT_MAX_PAGES } from '../../../scripts/compile-kernels.mjs';
import { THREADS_MAX_PAGES, ThreadedForward } from './threaded-forward.js';

/**
 * Odd maps: a stride-2 stem takes 21x21 to 11x11, pooled to 5x5 (neither divides by 2 or 3
 * threads, and 5 rows leave a fourth thread none in the last block's neighbour).
 */
const ODD = randomCondensedModel({ stages: [2, 3], growth: [4, 8], inputSize: 21, stemStride: 2, poolSize: 5, numClasses: 5 }, 11);

function imagesFor(model: CondensedModel, batch: number, seed = 3): Float32Array {
  const { inputSize: s, inputChannels: c } = model.config;
  return randomArray(batch * s * s * c, seededRandom(seed), 0, 1);
}

/**
 * A host whose worker `victim` dies on receiving its first run, as the host reports a crash: the
 * others are then already waiting for it at the run's first barrier.
 */
function dyingHost(victim: number): { host: ThreadHost; alive(): number } {
  const base = testThreadHost();
  const spawned: { ended: boolean }[] = [];
  let died = false;
  return {
    host: {
      ...base,
      spawn(events) {
        const worker = base.spawn(events);
        const entry = { ended: false };
        const index = spawned.push(entry) - 1;
        const terminate = () => {
          entry.ended = true;
          worker.terminate();
        };
        return {
          ...worker,
          postMessage(message) {
            if (!died && index === victim && (message as { type: string }).type === 'run') {
              died = true;
              terminate();
              setTimeout(() => events.exit('killed by the test'), 50);
              return;
            }
            worker.postMessage(message);
          },
          terminate,
        };
      },
    },
    alive: () => spawned.filter((s) => !s.ended).length,
  };
}

describe('ThreadedForward', () => {
  let kernels: KernelModule;
  beforeAll(async () => {
    kernels = await testKernels();
  });

  it('creates its shared memory with the maximum the threads build declares', () => {
    expect(THREADS_MAX_PAGES).toBe(BUILT_MAX_PAGES);
  });

  describe.each([
    ['golden tiny 32x32', () => goldenTiny().model, [2, 3]],
    ['odd 21x21 stride-2 stem', () => ODD, [2, 3, 4]],
  ] as const)('%s', (_, model, threadCounts) => {
    describe.each([
      ['simd', 'wasm', false],
      ['relaxed-simd', 'relaxed', true],
    ] as const)('%s build', (build, kind, relaxedSimd) => {
      let single: KernelForward;
      beforeAll(async () => {
        single = new KernelForward(await testKernels(kind), model());
      });
      afterAll(() => single.dispose());

      it.each(threadCounts)('on %i threads equals one thread bit for bit: batch 1 and odd batches, rows and images splits', async (threads) => {
        for (const split of ['rows', 'images', 'auto'] as const) {
          const forward = await ThreadedForward.create(model(), testThreadHost(), threads, split, relaxedSimd);
          try {
            expect([forward.threads, forward.kernels.build]).toEqual([threads, build]);
            for (const batch of [1, 2, 5, 1, 1]) {
              const images = imagesFor(model(), batch, batch);
              expect(await forward.predict(images, batch)).toEqual(single.predict(images, batch));
            }
          } finally {
            forward.dispose();
          }
        }
      });
    });
  });

  it('fails the run a worker dies in with an error naming it, then restarts its workers and runs on', async () => {
    const { model } = goldenTiny();
    const dying = dyingHost(1);
    const forward = await ThreadedForward.create(model, dying.host, 2, 'rows', false);
    const single = new KernelForward(kernels, model);
    try {
      const images = imagesFor(model, 1);
      // Batch 1 splits rows: the survivor waits at a barrier for the dead one and must be released.
      await expect(forward.predict(images, 1)).rejects.toThrow(/kernel worker 2 of 2 stopped \(killed by the test\); this run failed, the next one restarts the workers/);
      expect(dying.alive()).toBe(0);
      expect(await forward.predict(images, 1)).toEqual(single.predict(images, 1));
      expect(dying.alive()).toBe(2);
    } finally {
      forward.dispose();
      single.dispose();
    }
    expect(dying.alive()).toBe(0);
  });

  it('a worker that dies while idle (a real crash of a Node worker) is replaced before the next run', async () => {
    const { model } = goldenTiny();
    const base = testThreadHost();
    const workers: KernelWorker[] = [];
    const host: ThreadHost = { ...base, spawn: (events) => workers[workers.push(base.spawn(events)) - 1] };
    const forward = await ThreadedForward.create(model, host, 2);
    try {
      const images = imagesFor(model, 2);
      const expected = await forward.predict(images, 2);
      // An init without a module makes the worker's instantiation reject, uncaught: it exits.
      workers[0].postMessage({ type: 'init' });
      await new Promise((r) => setTimeout(r, 300));
      expect(await forward.predict(images, 2)).toEqual(expected);
      expect(workers.length).toBe(4);
    } finally {
      forward.dispose();
    }
  });

  it.each([
    ['after dispose', 'forward.dispose();'],
    ['idle, even without dispose (idle workers do not hold it)', ''],
  ])('lets the process exit %s', async (_, end) => {
    const wasm = dirname(fileURLToPath(import.meta.url));
    const { outputFiles } = await build({
      stdin: {
        contents: `
          import { pathToFileURL } from 'node:url';
          import { randomCondensedModel } from '../../test-support/model.js';
          import { nodeThreadHost } from './node-threads.js';
          import { THREADS_MAX_PAGES as BUILT_MAX_PAGES } from '../../../scripts/compile-kernels.mjs';
import { THREADS_MAX_PAGES, ThreadedForward } from './threaded-forward.js';
          const model = randomCondensedModel();
          const host = nodeThreadHost({ worker: pathToFileURL(process.env.WORKER), wasm: pathToFileURL(process.env.WASM), relaxedWasm: pathToFileURL(process.env.RELAXED) });
          const forward = await ThreadedForward.create(model, host, 2);
          const s = model.config.inputSize;
          const logits = await forward.predict(new Float32Array(2 * s * s * 3), 2);
          ${end}
          console.log('ran', logits.length);
        `,
        resolveDir: wasm,
        loader: 'ts',
      },
      bundle: true,
      format: 'esm',
      platform: 'node',
      write: false,
      logLevel: 'error',
    });
    const child = spawnSync(process.execPath, ['--input-type=module', '-'], {
      input: outputFiles[0].text,
      env: { ...process.env, WORKER: inject('kernelWorkerPath'), WASM: inject('kernelsThreadsWasmPath'), RELAXED: inject('kernelsThreadsRelaxedWasmPath') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe(`ran ${2 * randomCondensedModel().config.numClasses}`);
    expect(child.status).toBe(0);
  });

  it('keeps memory flat over 1,000 predictions', async () => {
    const { model } = goldenTiny();
    const forward = await ThreadedForward.create(model, testThreadHost(), 2);
    try {
      const images = imagesFor(model, 1);
      await forward.predict(images, 1);
      const three = imagesFor(model, 3);
      await forward.predict(three, 3);
      const live = forward.kernels.liveBytes;
      const bytes = forward.kernels.exports.memory.buffer.byteLength;
      const heap = process.memoryUsage().heapUsed;
      for (let i = 0; i < 1000; i++) await (i % 10 === 0 ? forward.predict(three, 3) : forward.predict(images, 1));
      expect(forward.kernels.liveBytes).toBe(live);
      expect(forward.kernels.exports.memory.buffer.byteLength).toBe(bytes);
      expect(process.memoryUsage().heapUsed - heap).toBeLessThan(32 << 20);
    } finally {
      forward.dispose();
    }
  });
});
