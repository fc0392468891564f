// Whole-model benchmark, one backend per process: per preset and batch, round-robin,
//   runtime: this package's createSession on the runtime artifact,
//   masked:  @condensenet/layers' training form (learned group convs at their final stage,
//            masks applied) run with training: false,
//   layers:  @condensenet/layers' condensed tfjs-layers model, condense(training form),
// all three from the same weights (checked to agree before timing), and tfjs's own 1024^3
// matMul in the same rounds as the backend's GFLOP/s yardstick. Writes JSON (render with
// bench/table.mjs). After building (`npx -y pnpm@10.34.9 turbo build --filter @condensenet/runtime...`):
//   MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967295 \
//     node bench/model.mjs --backend wasm|cpu [--rows condensenet-86:1,32;condensenet-74-c4:1] [--rounds 7] [--out FILE]
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { version_layers } from '@tensorflow/tfjs-layers';
import { buildPlan, denseLayers, resolveConfig } from '@condensenet/core';
import {
  backendStrategies, BN_EPSILON, buildCondenseNet, condense, CondenseLayer, condenseNetMetadata, exportReferenceStateDict,
  learnedGroupConvs, readReferenceTensor, assignReferenceTensor, TorchBatchNorm,
} from '@condensenet/layers';
import { condensedModelFromStateDict, createSession } from '../dist/index.js';
import { loadKernelsFromFile } from '../dist/node.js';

const { values } = parseArgs({
  options: { backend: { type: 'string', default: 'wasm' }, rows: { type: 'string' }, rounds: { type: 'string' }, out: { type: 'string' } },
});
const BACKEND = values.backend;
// The cpu backend runs the stock forms at well under 1 GFLOP/s: batch 32 would take minutes a round.
const ROWS = (values.rows ?? (BACKEND === 'cpu' ? 'condensenet-86:1;condensenet-74-c4:1' : 'condensenet-86:1,32;condensenet-74-c4:1'))
  .split(';')
  .map((r) => {
    const [preset, batches] = r.split(':');
    return { preset, batches: batches.split(',').map(Number) };
  });
const ROUNDS = Number(values.rounds ?? (BACKEND === 'cpu' ? 5 : 7));
// A form whose warm-up run takes longer than this is left out of the row's rounds.
const SKIP_MS = 60_000;
const MATMUL = 1024;

let seed = 7;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
};
const uniform = (n, lo, hi) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, digits) => +x.toFixed(digits);

/**
 * Training form at its final stage with BatchNorm statistics that are not the identity (so the
 * agreement check sees the folding), and a classifier whose columns outside the features the
 * condensing linear keeps are zero, so the condensed forms compute the same logits.
 */
function trainingForm(preset) {
  const model = buildCondenseNet(preset);
  for (const l of learnedGroupConvs(model)) {
    // The progress at which stage s starts, for s = 1 .. C - 1 (the reference's schedule).
    for (let s = 1; s < l.condenseFactor; s++) l.advance(s / (2 * (l.condenseFactor - 1)));
    if (l.condensationState().stage !== l.condenseFactor - 1) throw new Error(`${l.name}: not at its final stage`);
  }
  for (const layer of model.layers) {
    if (!(layer instanceof CondenseLayer)) continue;
    const bn = layer instanceof TorchBatchNorm ? '' : 'norm.';
    for (const name of layer.referenceWeightNames()) {
      const range = { [`${bn}weight`]: [0.5, 1.5], [`${bn}bias`]: [-0.2, 0.2], [`${bn}running_mean`]: [-0.2, 0.2], [`${bn}running_var`]: [0.5, 1.5] }[name];
      if (range) {
        const { shape, data } = readReferenceTensor(layer, name);
        assignReferenceTensor(layer, name, { shape, data: uniform(data.length, ...range) });
      }
    }
  }
  const classifier = model.getLayer('classifier');
  const { shape, data } = readReferenceTensor(classifier, 'weight');
  const [classes, features] = shape;
  const kept = buildPlan(condenseNetMetadata(model).config).head.condensedFeatures;
  const dropped = Array.from({ length: features }, (_, j) => j).sort(() => rand() - 0.5).slice(kept);
  const weight = Float32Array.from(data);
  for (let o = 0; o < classes; o++) for (const j of dropped) weight[o * features + j] = 0;
  assignReferenceTensor(classifier, 'weight', { shape, data: weight });
  return model;
}

/** Nominal multiply-adds per image of the masked and the condensed network (the FLOP ratio's terms). */
function nominalMacs(plan, form) {
  const C = plan.config.condenseFactor;
  let total = plan.stem.inChannels * plan.stem.outChannels * 9 * plan.stem.outputSize ** 2;
  for (const l of denseLayers(plan)) {
    const px = l.spatial ** 2;
    total += (l.inChannels * l.bottleneckChannels * px) / (form === 'masked' ? 1 : C);
    total += (l.conv3x3.inChannels * l.conv3x3.outChannels * 9 * px) / l.conv3x3.groups;
  }
  return total + plan.head.classes * (form === 'masked' ? plan.head.features : plan.head.condensedFeatures);
}

/**
 * Multiply-adds per image each form executes on this backend: the layers package's grouped convs
 * and channel gathers run the strategy measured best per backend, and some of those execute
 * more than the nominal count (a block-diagonal conv runs every zero block, a matMul gather a
 * one-hot product); the runtime's stem runs 4 input channels (the 4th is zero padding).
 */
function executedMacs(plan, form, artifact) {
  const s = backendStrategies(BACKEND);
  const G = plan.config.group1x1;
  const { stem, head } = plan;
  let total = (form === 'runtime' ? 4 : stem.inChannels) * stem.outChannels * 9 * stem.outputSize ** 2;
  for (const l of denseLayers(plan)) {
    const px = l.spatial ** 2;
    const R = l.inChannels;
    const O = l.bottleneckChannels;
    const selected = artifact.tensors.get(`${l.torchPrefix}.conv_1.index`).length;
    const { inChannels: ci, outChannels: co, groups } = l.conv3x3;
    if (form === 'masked') total += R * O * px;
    else if (form === 'runtime') total += (selected * O * px) / G;
    else total += ((s.indexSelect === 'matMul' ? R * selected : 0) + (s.pointwise === 'blockDiagonal' ? selected * O : (selected * O) / G)) * px;
    total += (ci * co * 9 * px) / (form !== 'runtime' && s.spatial === 'blockDiagonal' ? 1 : groups);
  }
  if (form === 'masked') return total + head.classes * head.features;
  return total + head.classes * head.condensedFeatures + (form === 'layers' && s.indexSelect === 'matMul' ? head.features * head.condensedFeatures : 0);
}

async function benchPreset(preset, batches, kernels) {
  const started = performance.now();
  const masked = trainingForm(preset);
  const layers = condense(masked);
  const config = condenseNetMetadata(masked).config;
  const plan = buildPlan(resolveConfig(config));
  const artifact = condensedModelFromStateDict(exportReferenceStateDict(layers), {
    config,
    normalization: { mean: Array(config.inputChannels).fill(0), std: Array(config.inputChannels).fill(1) },
    classes: Array.from({ length: config.numClasses }, (_, i) => String(i)),
    batchNormEpsilon: BN_EPSILON,
  });
  const session = await createSession(artifact, { backend: BACKEND, kernels });
  const side = config.inputSize;
  const perImage = side * side * config.inputChannels;
  const setupSeconds = round((performance.now() - started) / 1000, 1);

  const checkBatch = side > 64 ? 1 : 2;
  const checkImages = uniform(checkBatch * perImage, 0, 1);
  const xCheck = tf.tensor4d(checkImages, [checkBatch, side, side, config.inputChannels]);
  const logitsOf = (model) => tf.tidy(() => model.predict(xCheck).dataSync());
  const logits = { masked: logitsOf(masked), layers: logitsOf(layers), runtime: await session.run(checkImages, checkBatch) };
  xCheck.dispose();
  const scale = Math.max(...logits.masked.map(Math.abs));
  const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0) / scale;
  const agreement = { batch: checkBatch, maxAbsLogit: round(scale, 3), layersVsMasked: maxDiff(logits.layers, logits.masked), runtimeVsMasked: maxDiff(logits.runtime, logits.masked) };
  if (!(agreement.layersVsMasked < 1e-3 && agreement.runtimeVsMasked < 1e-3)) {
    throw new Error(`${preset}: the three forms disagree (max |diff| / max |logit|): ${JSON.stringify(agreement)}`);
  }

  const macs = { masked: executedMacs(plan, 'masked', artifact), layers: executedMacs(plan, 'layers', artifact), runtime: executedMacs(plan, 'runtime', artifact) };
  const flopRatio = nominalMacs(plan, 'masked') / nominalMacs(plan, 'condensed');
  const a = tf.randomUniform([MATMUL, MATMUL]);
  const b = tf.randomUniform([MATMUL, MATMUL]);
  const rows = [];
  for (const batch of batches) {
    const images = uniform(batch * perImage, 0, 1);
    const x = tf.tensor4d(images, [batch, side, side, config.inputChannels]);
    const predict = (model) => async () => {
      const y = model.predict(x);
      await y.data();
      y.dispose();
    };
    const forms = {
      runtime: () => session.run(images, batch),
      masked: predict(masked),
      layers: predict(layers),
      matMul: async () => {
        const y = tf.matMul(a, b);
        await y.data();
        y.dispose();
      },
    };
    const skipped = {};
    for (const [name, fn] of Object.entries(forms)) {
      const t0 = performance.now();
      await fn();
      const ms = performance.now() - t0;
      if (ms > SKIP_MS) {
        skipped[name] = `one run takes ${Math.round(ms / 1000)} s`;
        delete forms[name];
      }
    }
    const samples = Object.fromEntries(Object.keys(forms).map((k) => [k, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, fn] of Object.entries(forms)) {
        const t0 = performance.now();
        await fn();
        samples[name].push(performance.now() - t0);
      }
    }
    x.dispose();
    const ms = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, round(median(v), 1)]));
    const gflops = (form) => (ms[form] ? round((2 * macs[form] * batch) / ms[form] / 1e6, 2) : null);
    const ratio = (over, by) => (samples[over] && samples[by] ? median(samples[over].map((t, i) => t / samples[by][i])) : null);
    const speedup = ratio('masked', 'runtime');
    rows.push({
      preset, batch, ms, skipped,
      gflops: { runtime: gflops('runtime'), masked: gflops('masked'), layers: gflops('layers') },
      matMulGflops: samples.matMul ? round((2 * MATMUL ** 3) / ms.matMul / 1e6, 2) : null,
      // Medians of per-round ratios: steadier than ratios of medians on a shared machine.
      speedupRuntimeOverMasked: speedup && round(speedup, 2),
      speedupRuntimeOverLayers: ratio('layers', 'runtime') && round(ratio('layers', 'runtime'), 2),
      // Goal: >= 0.8.
      speedupOverMaskedPerFlopRatio: speedup && round(speedup / flopRatio, 2),
      loadavg: round(os.loadavg()[0], 2),
    });
    console.error(JSON.stringify(rows[rows.length - 1]));
  }
  tf.dispose([a, b]);
  session.dispose();
  masked.dispose();
  layers.dispose();
  return {
    preset, setupSeconds, agreement, session: session.path, flopRatio: round(flopRatio, 3),
    macsPerImage: { nominalMasked: nominalMacs(plan, 'masked'), nominalCondensed: nominalMacs(plan, 'condensed'), executed: macs },
    strategies: backendStrategies(BACKEND), rows,
  };
}

const t0 = performance.now();
const date = new Date().toISOString();
await tf.setBackend(BACKEND);
await tf.ready();
const loadBefore = os.loadavg().map((l) => round(l, 2));
const kernels = BACKEND === 'wasm' ? await loadKernelsFromFile() : undefined;
const presets = [];
for (const { preset, batches } of ROWS) presets.push(await benchPreset(preset, batches, kernels));
const report = {
  benchmark: 'whole model: runtime session vs masked training form vs condensed tfjs-layers model',
  date,
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  versions: { tfjsCore: tf.version_core, tfjsLayers: version_layers, tfjsBackendWasm: version_wasm, tfjsBackendCpu: version_cpu },
  backend: BACKEND,
  backendFlags: BACKEND === 'wasm' ? { WASM_HAS_SIMD_SUPPORT: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), WASM_HAS_MULTITHREAD_SUPPORT: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') } : {},
  env: { MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? null, MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_ ?? null },
  loadavg: { before: loadBefore, after: os.loadavg().map((l) => round(l, 2)) },
  rounds: ROUNDS,
  matMul: `${MATMUL}x${MATMUL}x${MATMUL} tf.matMul, timed in every round`,
  wallSeconds: round((performance.now() - t0) / 1000, 1),
  presets,
};
const text = `${JSON.stringify(report, null, 1)}\n`;
if (values.out) writeFileSync(values.out, text);
else process.stdout.write(text);
