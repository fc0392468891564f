// Images/s of one training step (computeGradients: forward + backward, no optimizer) on a
// tfjs backend, for one or more builds of the package (perf/build.sh), interleaved so that a
// shared machine's load hits every build alike. Prints JSON.
// Usage: node perf/train-step.mjs [--backend wasm] [--steps 5] [--configs quick64,qs32,cn86-64]
//        [--profile] perf/.build/a/dist/index.js [perf/.build/b/dist/index.js ...]
// A build may carry strategy overrides for the backend: 'perf/.build/a/dist/index.js#spatial=split'
// (set with setBackendStrategies before each of its steps).
import { performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const flag = (name) => {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const backend = opt('backend', 'wasm');
const steps = Number(opt('steps', '5'));
const configs = opt('configs', 'quick64').split(',');
const profile = flag('profile');
const libs = args.length ? args : ['dist/index.js'];
const log = (...a) => console.error(...a);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const QUICK = { stages: [2, 2, 2], growth: [8, 16, 32], inputSize: 28, inputChannels: 1, poolSize: 7 };
// The CLI's quick start since 2026-11-30: stride-2 stem, blocks at 14x14, 7x7 and 3x3.
const QS = { stages: [2, 2, 2], growth: [16, 32, 64], inputSize: 28, inputChannels: 1, stemStride: 2, poolSize: 3 };
/** `quick<batch>`, `qs<batch>` or `cn86-<batch>`. */
function configFor(name) {
  const qs = /^qs(\d+)$/.exec(name);
  if (qs) return { config: QS, batch: Number(qs[1]), size: 28, ch: 1 };
  const q = /^quick(\d+)$/.exec(name);
  if (q) return { config: QUICK, batch: Number(q[1]), size: 28, ch: 1 };
  const c = /^cn86-(\d+)$/.exec(name);
  if (c) return { config: 'condensenet-86', batch: Number(c[1]), size: 32, ch: 3 };
  throw new Error(`unknown config ${name} (quick<batch>, qs<batch> or cn86-<batch>)`);
}

await tf.setBackend(backend);
await tf.ready();
const mods = [];
for (const lib of libs) {
  const [path, spec] = lib.split('#');
  const strategies = Object.fromEntries((spec ? spec.split(',') : []).map((kv) => kv.split('=')));
  mods.push({ lib, strategies, m: await import(pathToFileURL(resolve(path)).href) });
}

// Each build registers its kernels (asm/train-kernels.ts) on first use unless some are
// registered already, so in one process every build would run the first build's kernels.
// Each build's are captured after its warm-up step and put back before each of its steps.
// Identity too: since 2026-12-01 a build replaces tfjs-wasm's copying Identity by one that
// shares data, and an older build must run with the stock one.
const OWN_KERNEL = /^(Condense.*|Identity)$/;
const STOCK_IDENTITY = tf.getKernel('Identity', backend);
function ownKernels() {
  return tf.getKernelsForBackend(backend).filter((k) => OWN_KERNEL.test(k.kernelName));
}
function useKernels(kernels) {
  for (const k of ownKernels()) tf.unregisterKernel(k.kernelName, backend);
  for (const k of kernels) tf.registerKernel(k);
  if (STOCK_IDENTITY && !kernels.some((k) => k.kernelName === 'Identity')) tf.registerKernel(STOCK_IDENTITY);
}

function step(m, model, x, y, strategies = {}, kernels = null) {
  if (kernels) useKernels(kernels);
  if (m.setBackendStrategies) m.setBackendStrategies(backend, strategies);
  const { loss, grads } = m.computeGradients(model, x, y, { progress: 0.3 });
  loss.dataSync();
  for (const g of grads) g.dataSync();
  tf.dispose([loss, ...grads]);
}

const results = [];
const kernelsOf = new Map();
for (const name of configs) {
  const c = configFor(name);
  const x = tf.randomNormal([c.batch, c.size, c.size, c.ch]);
  const y = tf.tensor1d(Array.from({ length: c.batch }, (_, i) => i % 10), 'int32');
  const setups = mods.map(({ lib, m, strategies }) => {
    tf.setBackend(backend);
    const model = m.buildCondenseNet(c.config);
    // A build seen before (an earlier config, another strategy) has its kernels captured; a
    // new one registers its own on first use, once the others' are out of the way.
    const seen = kernelsOf.get(m);
    step(m, model, x, y, strategies, seen ?? []); // warm-up (and kernel compilation / buffer allocation)
    if (!seen) kernelsOf.set(m, ownKernels());
    return { lib, m, strategies, kernels: kernelsOf.get(m), model, times: [] };
  });
  for (let s = 0; s < steps; s++) {
    for (const st of setups) {
      const t0 = performance.now();
      step(st.m, st.model, x, y, st.strategies, st.kernels);
      st.times.push(performance.now() - t0);
    }
  }
  for (const st of setups) {
    const ms = median(st.times);
    const r = {
      config: name,
      lib: st.lib,
      batch: c.batch,
      medianStepMs: +ms.toFixed(1),
      // The least disturbed step: other processes on a shared machine only ever add time.
      minStepMs: +Math.min(...st.times).toFixed(1),
      imagesPerSec: +((c.batch * 1000) / ms).toFixed(1),
      stepsMs: st.times.map((t) => +t.toFixed(0)),
    };
    if (profile) {
      const p = await tf.profile(() => step(st.m, st.model, x, y, st.strategies, st.kernels));
      const by = {};
      for (const k of p.kernels) {
        by[k.name] ??= { ms: 0, n: 0 };
        by[k.name].ms += k.kernelTimeMs;
        by[k.name].n += 1;
      }
      r.profile = Object.entries(by)
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, 18)
        .map(([k, v]) => `${k} ${v.ms.toFixed(0)}ms x${v.n}`);
      if (flag('top') || process.env.PERF_TOP) {
        r.top = [...p.kernels]
          .sort((a, b) => b.kernelTimeMs - a.kernelTimeMs)
          .slice(0, 40)
          .map((k) => `${k.name} ${k.kernelTimeMs.toFixed(1)}ms in ${JSON.stringify(k.inputShapes)} out ${JSON.stringify(k.outputShapes)}`);
      }
    }
    log(JSON.stringify(r));
    results.push(r);
    tf.dispose(st.model.weights.map((w) => w.read()));
  }
  tf.dispose([x, y]);
}
console.log(
  JSON.stringify(
    { backend, cpu: cpus()[0]?.model, cores: cpus().length, loadavg: loadavg().map((l) => +l.toFixed(2)), tfjs: tf.version_core, results },
    null,
    1,
  ),
);
