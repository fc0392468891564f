import { parseArgs } from 'node:util';
import { buildCondenseNet } from '@condensenet/layers';
import { selectBackend, type CondensedModel } from '@condensenet/runtime';
import { importBackendPackage, loadArtifactFromFile, loadModel, resolveArtifactPath } from '@condensenet/runtime/node';
import * as tf from '@tensorflow/tfjs-core';
import { UsageError } from '../errors.js';
import { BACKEND_HELP, backendFlag } from '../flags/backend.js';
import { ARCHITECTURE_FLAGS_HELP, MODEL_FLAG_OPTIONS, configFromFlags, type ModelFlagValues } from '../flags/model-flags.js';
import { integerFlag } from '../flags/numbers.js';
import type { CliIO } from '../io.js';
import { runtimeModelOf } from '@condensenet/train';

export const BENCH_HELP = `condense bench: inference speed of a converted model with @condensenet/runtime

Usage: condense bench (MODEL | --preset NAME | --stages A-B-C --growth A-B-C) [--backend B]
                     [--batch N] [--runs R] [--threads N] [--strict-simd] [--json]

MODEL is a runtime artifact (model.cnn.json) or a directory holding one; a preset or
architecture gets random weights (speed does not depend on them). Runs one warm-up batch, then
R timed batches of N random images, and prints the median latency per batch, images per second
and the execution path the session used (wasm-kernels, js-kernels or tfjs), with its threads
and, on wasm-kernels, the build of the kernels (relaxed-simd: fused multiply-adds, or simd).

  --batch N     images per batch (default 1)
  --runs R      timed batches after the warm-up (default 10)
  --threads N   worker threads of the wasm kernels (default: one per core)
  --strict-simd the wasm kernels' SIMD build instead of the relaxed-SIMD one: about 1.25x
                slower, the same bits on every CPU
  ${BACKEND_HELP}
  --json        one JSON object

${ARCHITECTURE_FLAGS_HELP}
  --data KIND              input size, stem and classes of a preset or architecture`;

export async function benchCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...MODEL_FLAG_OPTIONS,
      backend: { type: 'string' },
      batch: { type: 'string' },
      runs: { type: 'string' },
      threads: { type: 'string' },
      'strict-simd': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  const described = values.preset !== undefined || values.stages !== undefined;
  if (positionals.length > 1 || (positionals.length === 1) === described) {
    throw new UsageError('give either one MODEL or a model description (--preset NAME, or --stages and --growth)');
  }
  const batch = integerFlag('--batch', values.batch) ?? 1;
  const runs = integerFlag('--runs', values.runs) ?? 10;
  const threads = integerFlag('--threads', values.threads);
  const backend = await selectBackend(backendFlag(values.backend), importBackendPackage);
  const source = positionals.length === 1 ? await loadArtifactFromFile(await resolveArtifactPath(positionals[0])) : randomModel(values);
  const model = await loadModel(source, { backend, ...(threads !== undefined ? { threads } : {}), relaxedSimd: !values['strict-simd'] });
  const x = tf.randomUniform([batch, model.inputSize, model.inputSize, model.inputChannels]);
  const times: number[] = [];
  try {
    await model.predict(x);
    for (let r = 0; r < runs; r++) {
      const start = performance.now();
      await model.predict(x);
      times.push(performance.now() - start);
    }
  } finally {
    x.dispose();
    model.dispose();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  const result = {
    backend: model.backend,
    path: model.path,
    ...(model.fallbackReason ? { fallbackReason: model.fallbackReason } : {}),
    threads: model.threads,
    ...(model.threadsReason ? { threadsReason: model.threadsReason } : {}),
    ...(model.kernelBuild ? { kernelBuild: model.kernelBuild } : {}),
    batch,
    runs,
    medianMs: median,
    minMs: sorted[0],
    imagesPerSecond: (1000 * batch) / median,
  };
  io.out(
    values.json
      ? JSON.stringify(result)
      : `${result.backend} (${result.path}${model.fallbackReason ? `: ${model.fallbackReason}` : ''}` +
          `${model.path === 'wasm-kernels' ? `, ${model.kernelBuild}` : ''}, ${model.threads} thread${model.threads === 1 ? '' : 's'}` +
          `${model.threadsReason ? `: ${model.threadsReason}` : ''}), batch ${batch}: ` +
          `median ${median.toFixed(2)} ms per batch over ${runs} runs (min ${sorted[0].toFixed(2)} ms), ${result.imagesPerSecond.toFixed(1)} images/s`,
  );
  return 0;
}

/** The condensed form with the builder's random initial weights, converted through layers. */
function randomModel(values: ModelFlagValues): CondensedModel {
  const layers = buildCondenseNet(configFromFlags(values), { form: 'condensed' });
  try {
    return runtimeModelOf(layers);
  } finally {
    layers.dispose();
  }
}
