// The runtime against ONNX Runtime and PyTorch on the same condensed model. Per preset, one model
// with seeded random weights runs in this package's sessions (wasm-kernels, the relaxed-SIMD build
// on 1 and on 2 worker threads and the SIMD build on 2; js-kernels on cpu for reference, batch 1 only), in onnxruntime-node (1 and 2 intra-op threads) and onnxruntime-web's
// wasm (2 threads) on its exportCondensedOnnx graph, and in PyTorch (bench/torch_condensed.py, 1
// and 2 threads) on its encodeReferenceFile state_dict, when /usr/bin/python3 has torch. Logits
// must agree before anything is timed. Then interleaved rounds: in each, every runtime runs each
// batch for --seconds; medians over rounds. Writes JSON; `--table FILE` renders a written one
// as the markdown of bench/results.md. After building (`npx -y pnpm@10.34.9 build`):
//   MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967295 \
//     node bench/vs-onnxruntime.mjs [--rounds 3] [--seconds 3] [--out bench/vs-onnxruntime-results.json]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { buildPlan, countCost, denseLayers, presetConfig, referenceParameters } from '@condensenet/core';
import { encodeReferenceFile, exportCondensedOnnx } from '@condensenet/interop';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { condensedModelFromStateDict, createSession } from '../dist/index.js';
import { nodeThreadHost } from '../dist/backends/wasm/node-threads.js';
import { loadKernelsFromFile } from '../dist/node.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '3' },
    out: { type: 'string', default: path.join(here, 'vs-onnxruntime-results.json') },
    table: { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const MODELS = [
  { preset: 'condensenet-86', data: 'cifar10', title: 'CondenseNet-86 (CIFAR)', batches: [1, 64] },
  { preset: 'condensenet-74-c4', data: 'imagenet', title: 'CondenseNet-74 C=G=4 (ImageNet)', batches: [1, 8] },
];
const NORMALIZATION = {
  cifar10: { mean: [0.4914, 0.4824, 0.4467], std: [0.2471, 0.2435, 0.2616] },
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
};
const TOLERANCE = 1e-4;
// The yardstick for GFLOP/s: tfjs-wasm's large matMul (XNNPACK, one thread in Node), timed in
// every round of every model so that load hits it and the models alike.
const MATMUL = 1024;
const PYTHON = '/usr/bin/python3';
const TORCH_THREADS = 2;
const ORT_WEB_THREADS = 2;
const OUR_THREADS = 2;
// Each of our sessions: its path, threads and kernel build, checked before timing. Node 20
// compiles relaxed SIMD once loadKernelsFromFile / nodeThreadHost turn its flag on.
const OUR_SESSIONS = [
  ['ours-wasm', 'wasm-kernels', 1, 'relaxed-simd'],
  ['ours-wasm-2', 'wasm-kernels', OUR_THREADS, 'relaxed-simd'],
  ['ours-wasm-2-simd', 'wasm-kernels', OUR_THREADS, 'simd'],
  ['ours-cpu', 'js-kernels', 1, 'javascript'],
];

const COLUMNS = [
  ['ours-wasm', 'ours (wasm-kernels, 1 thread)'],
  ['ours-wasm-2', 'ours (wasm-kernels, 2 threads)'],
  ['ours-wasm-2-simd', 'ours (wasm-kernels, SIMD build, 2 threads)'],
  ['ours-cpu', 'ours (js-kernels on cpu, 1 thread)'],
  ['ort-node-1', 'onnxruntime-node, 1 thread'],
  ['ort-node-2', 'onnxruntime-node, 2 threads'],
  ['ort-web', 'onnxruntime-web wasm'],
  ['torch-1', 'PyTorch, 1 thread'],
  ['torch-2', 'PyTorch, 2 threads'],
];
// js-kernels run a batch one image at a time, so a larger batch only repeats batch 1 (at ~0.5 s an image).
const CPU_MAX_BATCH = 1;

// A loaded machine hides a second thread in CPU time per wall second; OS threads show it.
const osThreads = () => (existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : null);
const round = (x, digits) => +x.toFixed(digits);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function markdown(report) {
  const header = (key, label) => {
    if (key === 'ort-web') return `${label}, ${report.threads.ortWebGot} thread${report.threads.ortWebGot > 1 ? 's' : ''}`;
    if (key.startsWith('torch') && report.versions.torch) return label.replace('PyTorch', `PyTorch ${report.versions.torch}`);
    return label;
  };
  const lines = [
    `| model, batch | ${COLUMNS.map(([k, l]) => header(k, l)).join(' | ')} |`,
    `| --- | ${COLUMNS.map(() => '---').join(' | ')} |`,
  ];
  for (const row of report.rows) {
    const cell = (key) => {
      const r = row.runtimes[key];
      if (r) return `${r.imagesPerSecond} (${r.gflops})`;
      return key.startsWith('torch') && !report.torch.available ? 'not installed' : 'not timed';
    };
    lines.push(`| ${row.title}, ${row.batch} | ${COLUMNS.map(([k]) => cell(k)).join(' | ')} |`);
  }
  lines.push('');
  for (const m of report.models.filter((m) => m.matMul)) {
    const fractions = report.rows
      .filter((r) => r.preset === m.preset)
      .map((r) => `batch ${r.batch}: ${Object.entries(r.fractionOfMatMul).map(([k, f]) => `${k} ${Math.round(100 * f)}%`).join(', ')}`);
    lines.push(`- ${m.title}: tfjs-wasm's ${m.matMul.size}^3 matMul ran at ${m.matMul.gflops} GFLOP/s on one thread; GFLOP/s as a share of it per core: ${fractions.join('; ')}.`);
  }
  return `${lines.join('\n')}\n`;
}

if (values.table) {
  process.stdout.write(markdown(JSON.parse(readFileSync(values.table, 'utf8'))));
  process.exit(0);
}

let seed = 20261201;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
};
const uniform = (n, lo, hi) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
const normal = (n, std) =>
  Float32Array.from({ length: n }, () => std * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
/** `k` distinct values of 0 .. n-1, ascending, as one group of a converted layer keeps. */
function sortedSubset(n, k) {
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, k).sort((a, b) => a - b);
}

/** Every tensor of the converted model's state_dict, as a real conversion would fill it. */
function randomStateDict(plan) {
  const layers = new Map(denseLayers(plan).map((l) => [`${l.torchPrefix}.conv_1.index`, l]));
  const stateDict = new Map();
  for (const p of referenceParameters(plan, 'condensed')) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    let data;
    switch (p.role) {
      case 'conv-weight':
      case 'linear-weight':
        data = normal(n, Math.sqrt(2 / (n / p.shape[0])));
        break;
      case 'bn-weight':
      case 'bn-running-var':
        data = uniform(n, 0.5, 1.5);
        break;
      case 'bn-bias':
      case 'bn-running-mean':
      case 'linear-bias':
        data = uniform(n, -0.1, 0.1);
        break;
      case 'bn-num-batches':
        data = new Int32Array(n);
        break;
      case 'index': {
        const layer = layers.get(p.name);
        if (layer) {
          const { groups } = layer.learnedGroup;
          data = Int32Array.from(Array.from({ length: groups }, () => sortedSubset(layer.inChannels, n / groups)).flat());
        } else data = Int32Array.from(sortedSubset(plan.head.features, n));
        break;
      }
      default:
        throw new Error(`no random values for ${p.name} (${p.role})`);
    }
    stateDict.set(p.name, { shape: p.shape, data });
  }
  return stateDict;
}

/** NHWC [batch, side, side, c] as NCHW, for the runtimes that take PyTorch's layout. */
function toNchw(x, batch, side, c) {
  const y = new Float32Array(x.length);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < side * side; i++) for (let k = 0; k < c; k++) y[(b * c + k) * side * side + i] = x[(b * side * side + i) * c + k];
  return y;
}

/** Per-run median of `run` repeated for SECONDS (at least once), and the process's CPU time per wall second. */
async function measure(run) {
  const times = [];
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  while (performance.now() - wall0 < SECONDS * 1000 || times.length === 0) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  return { ms: median(times), runs: times.length, cpuPerWall: (cpu.user + cpu.system) / 1000 / (performance.now() - wall0) };
}

/** bench/torch_condensed.py as a long-lived child answering one JSON line per command. */
async function startTorch(pthFile) {
  const child = spawn(PYTHON, [path.join(here, 'torch_condensed.py'), pthFile, String(TORCH_THREADS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const reply = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`torch_condensed.py exited (code ${child.exitCode}); its stderr is above`);
    return JSON.parse(value);
  };
  const ask = (cmd) => {
    child.stdin.write(`${JSON.stringify(cmd)}\n`);
    return reply();
  };
  return { hello: await reply(), ask, close: () => child.stdin.end() };
}

function torchAvailable() {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  return r.status === 0 ? null : (r.error?.message ?? r.stderr.trim().split('\n').pop());
}

async function benchModel({ preset, data, title, batches }, kernels, tmp, torchMissing, rounds) {
  const config = presetConfig(preset, { data });
  const plan = buildPlan(config);
  const normalization = NORMALIZATION[data];
  const stateDict = randomStateDict(plan);
  const classes = Array.from({ length: config.numClasses }, (_, i) => String(i));
  const model = condensedModelFromStateDict(stateDict, { config, normalization, classes });
  const side = config.inputSize;
  const channels = config.inputChannels;
  const perImage = side * side * channels;
  const nchwShape = (batch) => [batch, channels, side, side];

  const ours = {
    'ours-wasm': await createSession(model, { backend: 'wasm', kernels }),
    'ours-wasm-2': await createSession(model, { backend: 'wasm', threads: OUR_THREADS, threadHost: nodeThreadHost() }),
    'ours-wasm-2-simd': await createSession(model, { backend: 'wasm', threads: OUR_THREADS, threadHost: nodeThreadHost(), relaxedSimd: false }),
    'ours-cpu': await createSession(model, { backend: 'cpu' }),
  };
  for (const [name, expected, threads, build] of OUR_SESSIONS) {
    const session = ours[name];
    if (session.path !== expected) throw new Error(`${preset}: ${name} runs '${session.path}', not '${expected}' (${session.fallbackReason})`);
    if (session.threads !== threads) throw new Error(`${preset}: ${name} got ${session.threads} threads, not ${threads} (${session.threadsReason})`);
    if (session.kernelBuild !== build) throw new Error(`${preset}: ${name} runs the ${session.kernelBuild} kernels, not ${build}`);
  }
  const onnx = exportCondensedOnnx(model, { includeNormalization: true });
  const ortOptions = (threads) => ({ executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const threadsBeforeWeb = osThreads();
  const ort = { 'ort-web': await ortWeb.InferenceSession.create(onnx, { executionProviders: ['wasm'] }) };
  const ortWebAddedThreads = osThreads() - threadsBeforeWeb;
  ort['ort-node-1'] = await ortNode.InferenceSession.create(onnx, ortOptions(1));
  ort['ort-node-2'] = await ortNode.InferenceSession.create(onnx, ortOptions(2));
  let torch = null;
  if (!torchMissing) {
    const pthFile = path.join(tmp, `${preset}.pth`);
    const description = { config, form: 'condensed', classes, normalization };
    writeFileSync(pthFile, encodeReferenceFile('pytorch', stateDict, referenceParameters(plan, 'condensed'), description));
    torch = await startTorch(pthFile);
  }

  const runners = {};
  for (const [name, session] of Object.entries(ours)) runners[name] = (x, batch) => session.run(x.nhwc, batch);
  for (const [name, session] of Object.entries(ort)) {
    const Tensor = name === 'ort-web' ? ortWeb.Tensor : ortNode.Tensor;
    runners[name] = async (x, batch) => (await session.run({ input: new Tensor('float32', x.nchw, nchwShape(batch)) })).logits.data;
  }
  const inputs = (batch) => {
    const nhwc = uniform(batch * perImage, 0, 1);
    return { nhwc, nchw: toNchw(nhwc, batch, side, channels) };
  };

  const checkBatch = 2;
  const x = inputs(checkBatch);
  const logits = {};
  for (const [name, run] of Object.entries(runners)) logits[name] = Float32Array.from(await run(x, checkBatch));
  if (torch) {
    const input = path.join(tmp, 'check.f32');
    const output = path.join(tmp, 'logits.f32');
    writeFileSync(input, x.nchw);
    await torch.ask({ op: 'logits', input, batch: checkBatch, output });
    const bytes = readFileSync(output);
    logits.torch = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }
  const want = logits['ours-wasm'];
  const maxAbsDiff = (a) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
  const agreement = { batch: checkBatch, maxAbsLogit: round(Math.max(...want.map(Math.abs)), 3), maxAbsDiffVsOursWasm: {} };
  for (const [name, l] of Object.entries(logits)) {
    if (name !== 'ours-wasm') agreement.maxAbsDiffVsOursWasm[name] = l.length === want.length ? maxAbsDiff(l) : Number.POSITIVE_INFINITY;
  }
  console.error(JSON.stringify({ preset, agreement }));
  if (!Object.values(agreement.maxAbsDiffVsOursWasm).every((d) => d < TOLERANCE)) {
    throw new Error(`${preset}: logits disagree by more than ${TOLERANCE}: ${JSON.stringify(agreement)}`);
  }

  const timers = {};
  for (const [name, run] of Object.entries(runners)) timers[name] = (x, batch) => measure(() => run(x, batch));
  for (const threads of torch ? [1, TORCH_THREADS] : []) {
    timers[`torch-${threads}`] = (_, batch) => torch.ask({ op: 'time', batch, threads, seconds: SECONDS, minRuns: 1 });
  }
  const timed = (name, batch) => name !== 'ours-cpu' || batch <= CPU_MAX_BATCH;
  await tf.setBackend('wasm');
  const [ma, mb] = [tf.randomUniform([MATMUL, MATMUL]), tf.randomUniform([MATMUL, MATMUL])];
  const matMul = () =>
    measure(async () => {
      const y = tf.matMul(ma, mb);
      await y.data();
      y.dispose();
    });
  const matMulSamples = [];
  const batchInputs = new Map(batches.map((b) => [b, inputs(b)]));
  // One untimed run per runtime and batch, before the first round: first runs pay allocation and (ORT) kernel selection.
  for (const [b, x] of batchInputs) for (const [name, run] of Object.entries(runners)) if (timed(name, b)) await run(x, b);
  const samples = new Map(batches.map((b) => [b, Object.fromEntries(Object.keys(timers).filter((k) => timed(k, b)).map((k) => [k, []]))]));
  for (let r = 0; r < rounds; r++) {
    matMulSamples.push(await matMul());
    for (const [b, x] of batchInputs) {
      for (const [name, s] of Object.entries(samples.get(b))) s.push({ ...(await timers[name](x, b)), loadavg: round(os.loadavg()[0], 2) });
      console.error(JSON.stringify({ preset, round: r + 1, batch: b, ms: Object.fromEntries(Object.entries(samples.get(b)).map(([k, v]) => [k, round(v.at(-1).ms, 1)])) }));
    }
  }
  tf.dispose([ma, mb]);
  const flopsPerImage = 2 * countCost(plan, 'condensed').flops;
  const matMulGflopsAt = (ms) => round((2 * MATMUL ** 3) / ms / 1e6, 2);
  const matMulGflops = matMulGflopsAt(median(matMulSamples.map((t) => t.ms)));
  const rows = batches.map((batch) => {
    const runtimes = {};
    for (const [name, s] of Object.entries(samples.get(batch))) {
      const ms = median(s.map((t) => t.ms));
      runtimes[name] = {
        ms: round(ms, 2),
        imagesPerSecond: round((batch * 1000) / ms, 1),
        gflops: round((flopsPerImage * batch) / ms / 1e6, 2),
        cpuPerWall: s.map((t) => round(t.cpuPerWall, 2)),
        runsPerRound: s.map((t) => t.runs),
        msPerRound: s.map((t) => round(t.ms, 2)),
        loadavgPerRound: s.map((t) => t.loadavg),
      };
    }
    // The issue's yardsticks: one thread against one core's matMul rate, two against two cores'.
    const fractionOfMatMul = {};
    for (const [name, cores] of [['ours-wasm', 1], ['ours-wasm-2', OUR_THREADS], ['ours-wasm-2-simd', OUR_THREADS], ['ort-node-1', 1], ['ort-node-2', 2]]) {
      if (runtimes[name]) fractionOfMatMul[name] = round(runtimes[name].gflops / (cores * matMulGflops), 2);
    }
    return { preset, title, batch, runtimes, fractionOfMatMul };
  });

  for (const session of Object.values(ours)) session.dispose();
  for (const session of Object.values(ort)) await session.release();
  torch?.close();
  return {
    model: {
      preset,
      data,
      title,
      flopsPerImage,
      params: countCost(plan, 'condensed').params,
      agreement,
      ortWebAddedThreads,
      matMul: { size: MATMUL, gflops: matMulGflops, gflopsPerRound: matMulSamples.map((t) => matMulGflopsAt(t.ms)) },
    },
    rows,
    torchHello: torch?.hello,
  };
}

const started = performance.now();
const date = new Date().toISOString();
const loadBefore = os.loadavg().map((l) => round(l, 2));
ortWeb.env.wasm.numThreads = ORT_WEB_THREADS;
const torchMissing = torchAvailable();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vs-onnxruntime-'));
const kernels = await loadKernelsFromFile();
const models = [];
const rows = [];
let torchHello;
try {
  for (const m of MODELS) {
    const result = await benchModel(m, kernels, tmp, torchMissing, ROUNDS);
    models.push(result.model);
    rows.push(...result.rows);
    torchHello = result.torchHello ?? torchHello;
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const report = {
  benchmark: 'condensed model, same seeded random weights: @condensenet/runtime vs onnxruntime-node, onnxruntime-web (wasm) and PyTorch',
  date,
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  versions: {
    tfjsCore: tf.version_core,
    tfjsBackendWasm: version_wasm,
    onnxruntimeNode: ortNode.env.versions.node,
    onnxruntimeWeb: ortWeb.env.versions.web,
    torch: torchHello?.torch ?? null,
  },
  torch: torchMissing ? { available: false, reason: torchMissing } : { available: true, python: PYTHON },
  kernelBuilds: Object.fromEntries(OUR_SESSIONS.map(([name, , , build]) => [name, build])),
  threads: {
    ours: [1, OUR_THREADS],
    ortNode: [1, 2],
    ortWebAsked: ORT_WEB_THREADS,
    // onnxruntime-web falls back to one thread (resetting this setting) where it cannot start workers.
    ortWebGot: ortWeb.env.wasm.numThreads,
    torch: torchMissing ? null : [1, TORCH_THREADS],
  },
  env: { MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? null, MALLOC_TRIM_THRESHOLD_: process.env.MALLOC_TRIM_THRESHOLD_ ?? null },
  loadavg: { before: loadBefore, after: os.loadavg().map((l) => round(l, 2)) },
  rounds: ROUNDS,
  secondsPerMeasurement: SECONDS,
  timing:
    `per round, first tfjs-wasm's 1024^3 matMul (the GFLOP/s yardstick, fractionOfMatMul = GFLOP/s / (cores x its GFLOP/s)), then each runtime runs each batch back to back for secondsPerMeasurement (at least once) after one untimed run before the first round; ms = median over rounds of the per-round median run; GFLOP/s = 2 x countCost(plan, "condensed").flops per image; inputs: ours NHWC, the others NCHW, pixels in [0, 1], normalisation inside every model`,
  wallSeconds: round((performance.now() - started) / 1000, 1),
  models,
  rows,
};
const text = `${JSON.stringify(report, null, 1)}\n`;
writeFileSync(values.out, text);
process.stdout.write(text);
