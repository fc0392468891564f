// Microbenchmark: the condensed layers of CondenseNet-86 on tfjs-wasm stock ops vs this
// package's SIMD kernels. Prints one JSON document. Run after `npm run build`:
//   MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967295 node bench/kernels.mjs [--quick]
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { buildPlan, denseLayers, presetConfig } from '@condensenet/core';
// Internals, not the package's API: the bench times the kernels one by one.
import { CondensedConv1x1, packCondensedConv1x1 } from '../dist/backends/wasm/condensed-conv1x1.js';
import { GroupedConv3x3 } from '../dist/backends/wasm/grouped-conv3x3.js';
import { loadKernelsFromFile } from '../dist/node.js';

const quick = process.argv.includes('--quick');
const REPEATS = quick ? 7 : 21;

let seed = 12345;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296 - 0.5;
};
const randomArray = (n, lo = -0.5, hi = 0.5) => Float32Array.from({ length: n }, () => lo + (rand() + 0.5) * (hi - lo));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Median wall time in ms of each alternative, run round-robin (one call of each per round) so
 * the load other processes put on this shared machine hits every alternative alike. Each
 * alternative runs synchronously to completion (the wasm backend executes ops eagerly).
 */
function timeAll(alternatives) {
  const names = Object.keys(alternatives);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = -2; round < REPEATS; round++) {
    for (const name of names) {
      const t0 = performance.now();
      alternatives[name]();
      const ms = performance.now() - t0;
      if (round >= 0) samples[name].push(ms);
    }
  }
  return { ms: Object.fromEntries(names.map((n) => [n, +median(samples[n]).toFixed(3)])), samples };
}

/** Median over rounds of samples[a] / samples[b]: steadier than a ratio of medians under noise. */
function medianRatio(samples, a, b) {
  return median(samples[a].map((v, i) => v / samples[b][i]));
}

const tfRun = (fn) => () => tf.dispose(fn());
const gflops = (flops, ms) => +(flops / ms / 1e6).toFixed(2);

/** A fully condensed learned group conv with random weights: K = R/C kept columns per group. */
function randomCondensedLayer(R, O, G, C) {
  const K = R / C;
  const index = new Int32Array(G * K);
  for (let g = 0; g < G; g++) {
    const cols = Array.from({ length: R }, (_, j) => j).sort(() => rand());
    cols.slice(0, K).sort((a, b) => a - b).forEach((c, t) => (index[g * K + t] = c));
  }
  const norm = {
    gamma: randomArray(G * K, 0.5, 1.5),
    beta: randomArray(G * K),
    runningMean: randomArray(G * K),
    runningVar: randomArray(G * K, 0.5, 2),
  };
  return { index, norm, weight: randomArray(O * K), K };
}

/** The same layer as the masked training form computes it: dense [1, 1, R, O] filter, zeros where masked. */
function maskedFilter(layer, R, O, G) {
  const { index, weight, K } = layer;
  const perGroup = O / G;
  const f = new Float32Array(R * O);
  for (let g = 0; g < G; g++) {
    for (let k = 0; k < perGroup; k++) {
      const o = g + k * G; // training form: output o belongs to group o mod G
      for (let t = 0; t < K; t++) f[index[g * K + t] * O + o] += weight[(g * perGroup + k) * K + t];
    }
  }
  return f;
}

/** Block-diagonal dense [1, 1, G*K, O] filter over the gathered channels, shuffle folded into the output order. */
function gatheredFilter(layer, O, G) {
  const { weight, K } = layer;
  const perGroup = O / G;
  const f = new Float32Array(G * K * O);
  for (let g = 0; g < G; g++) {
    for (let k = 0; k < perGroup; k++) {
      for (let t = 0; t < K; t++) f[(g * K + t) * O + g + k * G] = weight[(g * perGroup + k) * K + t];
    }
  }
  return f;
}

function benchConv1x1(kernels, plan, l, batch) {
  const G = plan.config.group1x1;
  const C = plan.config.condenseFactor;
  const R = l.inChannels;
  const O = l.bottleneckChannels;
  const S = l.spatial;
  const P = batch * S * S;
  const layer = randomCondensedLayer(R, O, G, C);
  const xData = randomArray(P * R, -2, 2);

  const x = tf.tensor4d(xData, [batch, S, S, R]);
  const meanR = tf.tensor1d(randomArray(R)), varR = tf.tensor1d(randomArray(R, 0.5, 2));
  const gammaR = tf.tensor1d(randomArray(R, 0.5, 1.5)), betaR = tf.tensor1d(randomArray(R));
  const masked = tf.tensor4d(maskedFilter(layer, R, O, G), [1, 1, R, O]);
  const idx = tf.tensor1d(layer.index, 'int32');
  const n = layer.norm;
  const [gm, gv, gg, gb] = [n.runningMean, n.runningVar, n.gamma, n.beta].map((a) => tf.tensor1d(a));
  const gathered = tf.tensor4d(gatheredFilter(layer, O, G), [1, 1, G * layer.K, O]);

  const fused = new CondensedConv1x1(kernels, packCondensedConv1x1({ ...layer, groups: G, epsilon: 1e-5 }));
  const xAt = kernels.put(xData);
  const yAt = kernels.alloc(P * O * 4);
  const { ms, samples } = timeAll({
    tfjsMaskedConvOnly: tfRun(() => tf.conv2d(x, masked, 1, 'valid')),
    tfjsMaskedForm: tfRun(() => tf.tidy(() => tf.conv2d(tf.relu(tf.batchNorm(x, meanR, varR, betaR, gammaR, 1e-5)), masked, 1, 'valid'))),
    tfjsGatherOnly: tfRun(() => tf.gather(x, idx, 3)),
    tfjsGatherConv: tfRun(() =>
      tf.tidy(() => tf.conv2d(tf.relu(tf.batchNorm(tf.gather(x, idx, 3), gm, gv, gb, gg, 1e-5)), gathered, 1, 'valid')),
    ),
    fusedKernel: () => fused.run(xAt, R, P, yAt, O, 0),
  });
  fused.dispose();
  kernels.free(xAt);
  kernels.free(yAt);
  tf.dispose([x, meanR, varR, gammaR, betaR, masked, idx, gm, gv, gg, gb, gathered]);

  const denseFlops = 2 * P * R * O;
  const condensedFlops = denseFlops / C;
  return {
    layer: l.name, batch, spatial: S, inChannels: R, gathered: G * layer.K, outChannels: O,
    ms,
    gflops: {
      tfjsMaskedConvOnly: gflops(denseFlops, ms.tfjsMaskedConvOnly),
      fusedKernel: gflops(condensedFlops, ms.fusedKernel),
    },
    // Goal: >= 0.8. Speed-up over the masked training form (BN + ReLU + masked conv) divided by C.
    speedupOverMaskedPerFlopRatio: +(medianRatio(samples, 'tfjsMaskedForm', 'fusedKernel') / C).toFixed(2),
    // The same against the masked conv alone, as if the training form's BN + ReLU were free.
    speedupOverMaskedConvOnlyPerFlopRatio: +(medianRatio(samples, 'tfjsMaskedConvOnly', 'fusedKernel') / C).toFixed(2),
  };
}

function benchConv3x3(kernels, l, batch) {
  const { inChannels: cin, outChannels: cout, groups } = l.conv3x3;
  const S = l.spatial;
  const P = batch * S * S;
  const ci = cin / groups;
  const co = cout / groups;
  const weight = randomArray(cout * ci * 9);
  const xData = randomArray(P * cin, 0, 1);
  // Block-diagonal HWIO filter: the fastest stock grouped conv here at 32x32 (tfjs-platform.md).
  const blockDiag = new Float32Array(9 * cin * cout);
  for (let o = 0; o < cout; o++) {
    const g = Math.floor(o / co);
    for (let i = 0; i < ci; i++) for (let t = 0; t < 9; t++) blockDiag[(t * cin + g * ci + i) * cout + o] = weight[(o * ci + i) * 9 + t];
  }
  const x = tf.tensor4d(xData, [batch, S, S, cin]);
  const f = tf.tensor4d(blockDiag, [3, 3, cin, cout]);
  const parts = Array.from({ length: groups }, (_, g) => tf.slice(f, [0, 0, g * ci, g * co], [3, 3, ci, co]));
  const conv = new GroupedConv3x3(kernels, { weight, inChannels: cin, outChannels: cout, groups });
  // The kernel reads a zero-bordered copy, as a session's bottleneck buffer holds it.
  const xAt = kernels.alloc(batch * (S + 2) * (S + 2) * cin * 4);
  const padded = kernels.f32(xAt, batch * (S + 2) * (S + 2) * cin).fill(0);
  for (let r = 0; r < batch * S; r++) {
    const n = Math.floor(r / S);
    const h = r % S;
    padded.set(xData.subarray(r * S * cin, (r + 1) * S * cin), ((n * (S + 2) + h + 1) * (S + 2) + 1) * cin);
  }
  const yAt = kernels.alloc(P * cout * 4);
  const { ms, samples } = timeAll({
    tfjsBlockDiagonal: tfRun(() => tf.conv2d(x, f, 1, 'same')),
    tfjsSplitConcat: tfRun(() => tf.tidy(() => tf.concat(tf.split(x, groups, 3).map((xs, g) => tf.conv2d(xs, parts[g], 1, 'same')), 3))),
    groupedKernel: () => conv.run(xAt, batch, S, S, yAt, cout, 0),
  });
  conv.dispose();
  kernels.free(xAt);
  kernels.free(yAt);
  tf.dispose([x, f, ...parts]);
  const flops = (2 * P * cin * cout * 9) / groups;
  return {
    layer: l.name, batch, spatial: S, inChannels: cin, outChannels: cout, groups,
    ms,
    gflops: { groupedKernel: gflops(flops, ms.groupedKernel), tfjsBestGrouped: gflops(flops, Math.min(ms.tfjsBlockDiagonal, ms.tfjsSplitConcat)) },
    speedupOverBestTfjs: +Math.min(medianRatio(samples, 'tfjsBlockDiagonal', 'groupedKernel'), medianRatio(samples, 'tfjsSplitConcat', 'groupedKernel')).toFixed(2),
  };
}

await tf.setBackend('wasm');
await tf.ready();
const kernels = await loadKernelsFromFile();

const a = tf.randomUniform([1024, 1024]);
const b = tf.randomUniform([1024, 1024]);
const matMulMs = timeAll({ matMul: tfRun(() => tf.matMul(a, b)) }).ms.matMul;
tf.dispose([a, b]);

const plan = buildPlan(presetConfig('condensenet-86'));
const all = denseLayers(plan);
const picked = plan.blocks.flatMap((block) => {
  const ls = block.layers;
  return quick ? [ls[ls.length - 1]] : [ls[0], ls[Math.floor(ls.length / 2)], ls[ls.length - 1]];
});
const batches = [1, 32];
const conv1x1 = batches.flatMap((batch) => picked.map((l) => benchConv1x1(kernels, plan, l, batch)));
const conv3x3 = batches.flatMap((batch) => plan.blocks.map((block) => benchConv3x3(kernels, block.layers[0], batch)));

console.log(
  JSON.stringify(
    {
      machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, tfjs: tf.version_core },
      env: {
        MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? null,
        MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_ ?? null,
      },
      repeats: REPEATS,
      ceiling: { tfjsWasmMatMul1024GFlops: gflops(2 * 1024 ** 3, matMulMs) },
      model: { name: 'condensenet-86', denseLayers: all.length, G: plan.config.group1x1, C: plan.config.condenseFactor },
      conv1x1,
      conv3x3,
    },
    null,
    1,
  ),
);
