// Whole-model benchmark: a CondenseNet preset (default CondenseNet-86; random weights, fully
// condensed): the condensed form
// through createSession (on wasm: this package's kernels) vs the masked training form in stock
// tfjs ops (what a model runs before conversion), and on wasm at batch 1 the condensed form in
// stock tfjs ops. Prints JSON. After `npm run build`:
//   MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967295 node bench/model.mjs [--backend cpu] [--quick]
//     [--preset condensenet-74-c4] [--batches 1]
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { buildPlan, denseLayers, oihwToHwio, presetConfig, resolveConfig } from '@condensenet/core';
import { createSession, expectedTensors, TfjsForward } from '../dist/index.js';
import { loadKernelsFromFile } from '../dist/node.js';

const ROUNDS = process.argv.includes('--quick') ? 3 : 7;
const flag = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const BACKEND = flag('--backend') ?? 'wasm';
const PRESET = flag('--preset') ?? 'condensenet-86';
// The cpu backend runs at well under 1 GFLOP/s: batch 32 would take minutes per round there.
const BATCHES = flag('--batches')?.split(',').map(Number) ?? (BACKEND === 'cpu' ? [1] : [1, 32]);
let seed = 99;
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A fully condensed model with random weights: each group keeps R/C distinct columns. */
function randomModel(config) {
  const plan = buildPlan(config);
  const inChannels = new Map(denseLayers(plan).map((l) => [l.name, l.inChannels]));
  const tensors = new Map();
  for (const t of expectedTensors(config).tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.kind === 'int32' && t.layer !== 'classifier') {
      const R = inChannels.get(t.layer);
      const G = config.group1x1;
      const K = n / G;
      const index = new Int32Array(n);
      for (let g = 0; g < G; g++) {
        const cols = Array.from({ length: R }, (_, j) => j).sort(() => rand() - 0.5).slice(0, K).sort((a, b) => a - b);
        index.set(cols, g * K);
      }
      tensors.set(t.name, index);
    } else if (t.kind === 'int32') {
      tensors.set(t.name, Int32Array.from(Array.from({ length: t.indexBound }, (_, j) => j).sort(() => rand() - 0.5).slice(0, n)));
    } else if (t.role === 'bn-running-var') {
      tensors.set(t.name, Float32Array.from({ length: n }, () => 0.5 + rand()));
    } else {
      tensors.set(t.name, Float32Array.from({ length: n }, () => (rand() - 0.5) * 0.2));
    }
  }
  return { config, batchNormEpsilon: 1e-5, normalization: { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] }, classes: Array.from({ length: config.numClasses }, (_, i) => `c${i}`), tensors };
}

/** The masked training form of the same weights: BN -> ReLU -> dense masked 1x1 over all R inputs. */
function maskedForward(model) {
  const plan = buildPlan(model.config);
  const G = model.config.group1x1;
  const bn = (prefix) => ['running_mean', 'running_var', 'bias', 'weight'].map((k) => tf.tensor1d(model.tensors.get(`${prefix}.${k}`)));
  const blockDiag3x3 = (w, cout, cin, groups) => {
    const ci = cin / groups;
    const hwio = oihwToHwio(w, [cout, ci, 3, 3]);
    const out = new Float32Array(9 * cin * cout);
    for (let c = 0; c < cout; c++) {
      const g = Math.floor(c / (cout / groups));
      for (let tap = 0; tap < 9; tap++) for (let i = 0; i < ci; i++) out[(tap * cin + g * ci + i) * cout + c] = hwio[(tap * ci + i) * cout + c];
    }
    return tf.tensor4d(out, [3, 3, cin, cout]);
  };
  const layers = plan.blocks.map((block) =>
    block.layers.map((l) => {
      const p = l.torchPrefix;
      const index = model.tensors.get(`${p}.conv_1.index`);
      const weight = model.tensors.get(`${p}.conv_1.conv.weight`);
      const R = l.inChannels;
      const O = l.bottleneckChannels;
      const K = index.length / G;
      const perGroup = O / G;
      // The training form's BN runs over all R inputs; gathered statistics go back to their columns.
      const stats = ['running_mean', 'running_var', 'bias', 'weight'].map((k) => {
        const full = new Float32Array(R).fill(k === 'running_var' || k === 'weight' ? 1 : 0);
        model.tensors.get(`${p}.conv_1.norm.${k}`).forEach((v, s) => (full[index[s]] = v));
        return tf.tensor1d(full);
      });
      const filter = new Float32Array(R * O);
      for (let g = 0; g < G; g++) for (let k = 0; k < perGroup; k++) for (let t = 0; t < K; t++) filter[index[g * K + t] * O + g + k * G] += weight[(g * perGroup + k) * K + t];
      return { norm1: stats, conv1: tf.tensor4d(filter, [1, 1, R, O]), norm2: bn(`${p}.conv_2.norm`), conv2: blockDiag3x3(model.tensors.get(`${p}.conv_2.conv.weight`), l.growth, O, model.config.group3x3) };
    }),
  );
  const stem = tf.tensor4d(oihwToHwio(model.tensors.get('features.init_conv.weight'), [plan.stem.outChannels, 3, 3, 3]), [3, 3, 3, plan.stem.outChannels]);
  const normLast = bn('features.norm_last');
  const linear = tf.randomNormal([plan.head.features, plan.head.classes]);
  const mean = tf.tensor1d(model.normalization.mean);
  const std = tf.tensor1d(model.normalization.std);
  const bnRelu = (x, [m, v, b, g]) => tf.relu(tf.batchNorm(x, m, v, b, g, 1e-5));
  return (images) =>
    tf.tidy(() => {
      let x = tf.conv2d(tf.div(tf.sub(images, mean), std), stem, 1, 'same');
      plan.blocks.forEach((block, i) => {
        for (const l of layers[i]) {
          const b = tf.conv2d(bnRelu(x, l.norm1), l.conv1, 1, 'valid');
          x = tf.concat([x, tf.conv2d(bnRelu(b, l.norm2), l.conv2, 1, 'same')], 3);
        }
        if (block.transition) x = tf.avgPool(x, 2, 2, 'valid');
      });
      const pooled = tf.avgPool(bnRelu(x, normLast), plan.head.poolSize, plan.head.poolSize, 'valid');
      return tf.matMul(tf.reshape(pooled, [-1, plan.head.features]), linear);
    });
}

/** Multiply-adds each form executes per image (stem, 1x1s, 3x3s, classifier). */
function macs(plan, form) {
  const C = plan.config.condenseFactor;
  let total = plan.stem.inChannels * plan.stem.outChannels * 9 * plan.stem.outputSize ** 2;
  for (const l of denseLayers(plan)) {
    const px = l.spatial ** 2;
    total += (l.inChannels * l.bottleneckChannels * px) / (form === 'masked' ? 1 : C);
    total += (l.conv3x3.inChannels * l.conv3x3.outChannels * 9 * px) / l.conv3x3.groups;
  }
  return total + plan.head.classes * (form === 'masked' ? plan.head.features : plan.head.condensedFeatures);
}

await tf.setBackend(BACKEND);
const config = resolveConfig(presetConfig(PRESET));
const plan = buildPlan(config);
const model = randomModel(config);
const session = await createSession(model, { backend: BACKEND, kernels: await loadKernelsFromFile() });
const masked = maskedForward(model);
const stock = new TfjsForward(model);
const flopRatio = macs(plan, 'masked') / macs(plan, 'condensed');

const results = [];
for (const batch of BATCHES) {
  const { inputSize: side, inputChannels: channels } = config;
  const images = Float32Array.from({ length: batch * side * side * channels }, () => rand());
  const x = tf.tensor4d(images, [batch, side, side, channels]);
  const alternatives = {
    condensedSession: () => session.run(images, batch),
    maskedTrainingFormTfjs: () => tf.dispose(masked(x)),
    ...(batch === 1 && session.path !== 'tfjs' ? { condensedStockTfjs: () => tf.dispose(stock.predict(x)) } : {}),
  };
  const samples = Object.fromEntries(Object.keys(alternatives).map((k) => [k, []]));
  for (let round = -1; round < ROUNDS; round++) {
    for (const [name, fn] of Object.entries(alternatives)) {
      const t0 = performance.now();
      await fn();
      if (round >= 0) samples[name].push(performance.now() - t0);
    }
  }
  tf.dispose(x);
  const ms = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, +median(v).toFixed(1)]));
  const speedup = median(samples.maskedTrainingFormTfjs.map((m, i) => m / samples.condensedSession[i]));
  results.push({
    batch,
    ms,
    gflopsCondensedSession: +((2 * macs(plan, 'condensed') * batch) / ms.condensedSession / 1e6).toFixed(2),
    speedupOverMasked: +speedup.toFixed(2),
    // Goal: >= 0.8.
    speedupOverMaskedPerFlopRatio: +(speedup / flopRatio).toFixed(2),
  });
}
console.log(JSON.stringify({
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, tfjs: tf.version_core, loadavg: os.loadavg().map((l) => +l.toFixed(2)) },
  env: { MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? null, MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_ ?? null },
  model: PRESET, backend: BACKEND, rounds: ROUNDS, session: session.path,
  macsPerImage: { condensed: macs(plan, 'condensed'), masked: macs(plan, 'masked') },
  flopRatio: +flopRatio.toFixed(3),
  results,
}, null, 1));
