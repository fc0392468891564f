import os from 'node:os';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '@condensenet/core/node';
import { exposeDawnGpu } from '@condensenet/golden-fixtures';
// Named, not a bare import: a bundler drops the package's registration as a side effect otherwise.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { type BenchOptions, runBench } from './bench.js';

/**
 * The GPU run: `node gpu-bench.mjs --out results.json [--smoke] [--allow-software]`. Exits 1 when
 * the webgpu logits disagree with the cpu path's or no GPU adapter is found (a software adapter
 * counts only with --allow-software), 0 otherwise; the JSON is written either way.
 */
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'gpu-bench.json' },
    smoke: { type: 'boolean', default: false },
    'allow-software': { type: 'boolean', default: false },
    rounds: { type: 'string' },
  },
});

const FULL: Omit<BenchOptions, 'rounds'> = {
  inference: [
    { model: 'condensenet-86', batches: [1, 64] },
    { model: 'condensenet-74-c4', batches: [1, 64] },
  ],
  training: [
    { model: 'quick', batch: 64, stages: [0, 3] },
    { model: 'condensenet-86', batch: 64, stages: [0, 3] },
  ],
  tolerance: 1e-3,
};
const SMOKE: Omit<BenchOptions, 'rounds'> = {
  inference: [{ model: 'smoke', batches: [1, 3] }],
  training: [{ model: 'smoke', batch: 4, stages: [0, 3] }],
  tolerance: 1e-3,
};

const SOFTWARE = /llvmpipe|swiftshader|softpipe|lavapipe/i;
const started = performance.now();
const log = (line: string) => console.error(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${line}`);

const adapter = await exposeDawnGpu();
const report: Record<string, unknown> = {
  benchmark: 'condensenet on tfjs webgpu (Dawn) in Node',
  date: new Date().toISOString(),
  node: process.version,
  tfjs: { core: tf.version_core, cpu: version_cpu },
  cpu: os.cpus()[0]?.model,
  cpus: os.cpus().length,
  adapter,
  // Its install script downloads libtensorflow, which a machine without network cannot do.
  tfjsNodeGpu: 'not run: @tensorflow/tfjs-node-gpu installs libtensorflow from the network at install time',
};
let failed: string | undefined;
if ('missing' in adapter) failed = `no WebGPU adapter: ${adapter.missing}`;
else if (SOFTWARE.test(adapter.found) && !values['allow-software']) failed = `only a software adapter (${adapter.found}); pass --allow-software to run on it anyway`;
else {
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) failed = 'tf.setBackend("webgpu") failed on the Dawn adapter';
}
if (!failed) {
  log(`adapter: ${'found' in adapter ? adapter.found : ''}`);
  const plan = values.smoke ? SMOKE : FULL;
  try {
    const result = await runBench({ ...plan, rounds: Number(values.rounds ?? (values.smoke ? 2 : 5)), log, partial: report });
    const wrong = result.correctness.filter((c) => !c.ok);
    if (wrong.length) failed = `webgpu logits differ from the cpu path's: ${wrong.map((c) => `${c.model} ${c.maxAbsDiff}`).join(', ')}`;
  } catch (e) {
    // What was measured before the failure is kept in the report.
    failed = (e as Error).stack ?? String(e);
  }
}
report.seconds = +((performance.now() - started) / 1000).toFixed(1);
if (failed) report.error = failed;
writeFileAtomic(values.out, [new TextEncoder().encode(`${JSON.stringify(report, null, 1)}\n`)]);
log(failed ? `FAILED: ${failed}` : `wrote ${values.out}`);
process.exit(failed ? 1 : 0);
