// Where one image's time goes on the wasm kernels: every kernel call of the session's program
// (src/backends/wasm/program.ts) timed alone, summed per kind and dense block, medians of
// --rounds passes after one untimed pass. One thread, seeded random weights, the relaxed-SIMD
// kernels (--strict-simd: the SIMD build). After building:
//   node bench/profile-ops.mjs [--preset condensenet-74-c4] [--rounds 5] [--strict-simd]
import { parseArgs } from 'node:util';
import os from 'node:os';
import { buildPlan, countCost, presetConfig } from '@condensenet/core';
import { KernelForward } from '../dist/backends/wasm/forward.js';
import { Op, OP_ARGS, runProgram } from '../dist/backends/wasm/program.js';
import { elementCount, expectedTensors } from '../dist/artifact/expected.js';
import { loadKernelsFromFile } from '../dist/node.js';

const { values } = parseArgs({ options: { preset: { type: 'string', default: 'condensenet-74-c4' }, rounds: { type: 'string', default: '5' }, 'strict-simd': { type: 'boolean' } } });
const preset = values.preset;
const config = presetConfig(preset, { data: preset.includes('-c4') || preset.includes('-c8') ? 'imagenet' : 'cifar10' });

let seed = 7;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
};
const tensors = new Map();
for (const t of expectedTensors(config).tensors) {
  const n = elementCount(t.shape);
  if (t.kind === 'int32') tensors.set(t.name, Int32Array.from({ length: n }, () => Math.floor(rand() * t.indexBound)));
  else if (t.role === 'bn-running-var') tensors.set(t.name, Float32Array.from({ length: n }, () => 0.5 + rand()));
  else tensors.set(t.name, Float32Array.from({ length: n }, () => (rand() - 0.5) * 0.2));
}
const model = { config, batchNormEpsilon: 1e-5, normalization: { mean: [0, 0, 0], std: [1, 1, 1] }, classes: Array.from({ length: config.numClasses }, String), tensors };

const kernels = await loadKernelsFromFile(undefined, { relaxedSimd: !values['strict-simd'] });
const forward = new KernelForward(kernels, model);
const io = forward.beginRun(Float32Array.from({ length: config.inputSize ** 2 * config.inputChannels }, rand), 1);
const program = forward.program(forward.buffers[0], io, 0, 1);
const NAMES = {
  [Op.stem]: 'stem', [Op.conv1x1]: '1x1', [Op.conv3x3]: '3x3', [Op.conv1x1Planes]: '1x1', [Op.conv3x3Planes]: '3x3',
  [Op.pool]: 'pool', [Op.head]: 'head', [Op.linear]: 'linear', [Op.stage]: 'stage',
};
const ops = [];
let block = 1;
for (let i = 0; i < program.length; i += 1 + OP_ARGS[program[i]]) {
  ops.push({ label: `${NAMES[program[i]]} block ${block}`, words: program.subarray(i, i + 1 + OP_ARGS[program[i]]), macs: multiplyAdds(program.subarray(i + 1, i + 1 + OP_ARGS[program[i]]), program[i]) });
  if (program[i] === Op.pool) block++;
}
const times = new Map(ops.map((o) => [o.label, []]));
const macs = new Map();
for (const o of ops) macs.set(o.label, (macs.get(o.label) ?? 0) + o.macs);
for (let r = 0; r <= Number(values.rounds); r++) {
  const sums = new Map();
  for (const o of ops) {
    const t = performance.now();
    runProgram(kernels.exports, o.words, 0);
    sums.set(o.label, (sums.get(o.label) ?? 0) + performance.now() - t);
  }
  if (r > 0) for (const [label, ms] of sums) times.get(label).push(ms);
}
/** Multiply-adds of one kernel call, from its arguments (asm/kernels.ts). */
function multiplyAdds(a, op) {
  if (op === Op.conv1x1) return a[2] * a[3] * a[10] * 4 * a[12] * a[11];
  // Rows * width pixels, G * kOut outputs of K multiply-adds each.
  if (op === Op.conv1x1Planes) return a[2] * a[3] * a[10] * a[12] * a[11];
  // height * width * cout outputs of cin / groups * 9.
  if (op === Op.conv3x3Planes) return a[1] * a[2] * a[7] * (a[4] / a[5]) * 9;
  if (op === Op.linear) return a[4] * a[7];
  if (op !== Op.conv3x3 && op !== Op.stem) return 0;
  const [, perImage, height, width, cin, groups, , cout, stride] = a;
  // The stem's second argument is its input's bytes per image; it runs one image.
  const batch = op === Op.stem ? 1 : perImage;
  const out = (size) => Math.floor((size - 1) / stride) + 1;
  return batch * out(height) * out(width) * cout * (cin / groups) * 9;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = [...times].map(([label, ms]) => ({ label, ms: median(ms), gflops: (2 * macs.get(label)) / median(ms) / 1e6 }));
const total = rows.reduce((a, r) => a + r.ms, 0);
const gflops = (2 * countCost(buildPlan(config), 'condensed').flops) / total / 1e6;
console.log(`${preset}, one image, one thread, ${kernels.build} kernels: ${total.toFixed(1)} ms (${gflops.toFixed(2)} GFLOP/s), load average ${os.loadavg()[0].toFixed(2)}`);
for (const r of rows) console.log(`${r.label.padEnd(14)} ${r.ms.toFixed(2).padStart(8)} ms ${((100 * r.ms) / total).toFixed(1).padStart(5)}%${r.gflops > 0 ? ` ${r.gflops.toFixed(1).padStart(6)} GFLOP/s` : ''}`);
forward.endRun(io);
forward.dispose();
