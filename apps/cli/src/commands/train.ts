import { parseArgs } from 'node:util';
import { REFERENCE_TRAIN_OPTIONS, defaultOutDir, runTraining } from '@condensenet/train';
import type { RunTrainingResult } from '@condensenet/train';
import type { CliIO } from '../io.js';
import { UsageError } from '../errors.js';
import { ARCHITECTURE_FLAGS_HELP, ARCHITECTURE_FLAG_OPTIONS, architectureFromFlags, asUsageError } from '../flags/model-flags.js';
import { BACKEND_HELP, backendFlag } from '../flags/backend.js';
import { integerFlag, numberFlag } from '../flags/numbers.js';
import { humanCount } from '../format.js';

/**
 * With no flags, `condense train` is the quick start: a small CondenseNet (C = G = 4) trained
 * from scratch on Fashion-MNIST on two CPU cores, condensed and evaluated.
 */
export const QUICKSTART = {
  data: 'fashion-mnist',
  stages: '2-2-2',
  growth: '16-32-64',
  // 28x28 images: a stride-2 stem puts the blocks at 14, 7 and 3 pixels, a quarter of the work.
  stemStride: '2',
  epochs: 6,
  batchSize: 64,
  lr: 0.1,
} as const;

export const TRAIN_HELP = `condense train: train a CondenseNet, condense it, evaluate both forms

Usage: condense train [--data SPEC] [model flags] [options]

Data:
  --data SPEC              fashion-mnist (default) | mnist | cifar10:PATH | cifar100:PATH | folder:DIR;
                           PATH: the extracted binary folder, the downloaded cifar-10-binary.tar.gz /
                           cifar-100-binary.tar.gz, or a folder holding it (read as is, no extraction)
  --train-limit N          train on a random subset of N training images, drawn with a fixed seed:
                           the same N images in every run, whatever --seed says
  --test-limit N           evaluate on a random subset of N test images, fixed in the same way
${ARCHITECTURE_FLAGS_HELP}
                           (default: --stages ${QUICKSTART.stages} --growth ${QUICKSTART.growth} --stem-stride ${QUICKSTART.stemStride})
Training (the reference's recipe: SGD, Nesterov momentum 0.9, cosine LR per iteration):
  --epochs N               default ${QUICKSTART.epochs}
  -b, --batch-size N       default ${QUICKSTART.batchSize}
  --lr X                   initial learning rate, default ${QUICKSTART.lr}
  --momentum X             default ${REFERENCE_TRAIN_OPTIONS.momentum}
  --weight-decay X         default ${REFERENCE_TRAIN_OPTIONS.weightDecay}
  --group-lasso-lambda X   group-lasso weight, default 0
  --seed N                 initial weights, data order and augmentation, default 0
  --workers N|auto         split every batch across N threads (this one + N - 1 workers), as
                           PyTorch's DataParallel; same results up to BatchNorm's per-shard
                           statistics; default auto: one per core on wasm and cpu (at most 8,
                           at least 16 images per shard), 1 on tfjs-node and GPU backends
  ${BACKEND_HELP}
Output:
  --out DIR                checkpoints, log.jsonl, learning-curve.png, condensed/ (default runs/<data>)
  --resume                 continue from DIR/last.ckpt (its model, unless model flags are given;
                           a checkpoint from 'condense import' starts a fine-tuning run)
  --json                   print the final report as one JSON object

Ctrl-C stops after the current iteration and writes a checkpoint; --resume continues exactly.`;

export async function trainCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...ARCHITECTURE_FLAG_OPTIONS,
      data: { type: 'string' },
      'train-limit': { type: 'string' },
      'test-limit': { type: 'string' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string', short: 'b' },
      lr: { type: 'string' },
      momentum: { type: 'string' },
      'weight-decay': { type: 'string' },
      'group-lasso-lambda': { type: 'string' },
      seed: { type: 'string' },
      workers: { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      resume: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    allowPositionals: false,
    strict: true,
  });
  const backend = backendFlag(values.backend);
  const data = values.data ?? QUICKSTART.data;
  const given = Object.keys(ARCHITECTURE_FLAG_OPTIONS).some((k) => values[k as keyof typeof values] !== undefined);
  // Resuming without architecture flags continues the checkpoint's own model (one trained here
  // or imported from PyTorch), so its flags need not be repeated.
  const model =
    values.resume && !given
      ? undefined
      : architectureFromFlags(given ? values : { stages: QUICKSTART.stages, growth: QUICKSTART.growth, 'stem-stride': QUICKSTART.stemStride });
  const outDir = values.out ?? defaultOutDir(data);
  const train = {
    outDir,
    epochs: integerFlag('--epochs', values.epochs) ?? QUICKSTART.epochs,
    batchSize: integerFlag('--batch-size', values['batch-size']) ?? QUICKSTART.batchSize,
    lr: numberFlag('--lr', values.lr) ?? QUICKSTART.lr,
    momentum: numberFlag('--momentum', values.momentum) ?? REFERENCE_TRAIN_OPTIONS.momentum,
    weightDecay: numberFlag('--weight-decay', values['weight-decay']) ?? REFERENCE_TRAIN_OPTIONS.weightDecay,
    groupLassoLambda: numberFlag('--group-lasso-lambda', values['group-lasso-lambda']) ?? 0,
    seed: integerFlag('--seed', values.seed, 0) ?? 0,
    workers: workersFlag(values.workers),
    resume: values.resume ?? false,
  };

  let stop = false;
  let firstInterrupt = 0;
  const onInterrupt = () => {
    // One Ctrl-C can arrive twice: from the terminal and passed on by a parent (npm, pnpm, or
    // the CLI's own relaunch), so only a second press some time later aborts.
    if (stop && Date.now() - firstInterrupt > INTERRUPT_REPEAT_MS) process.exit(130);
    if (stop) return;
    stop = true;
    firstInterrupt = Date.now();
    io.err('\nstopping after this iteration (Ctrl-C again to abort without a checkpoint)');
  };
  process.on('SIGINT', onInterrupt);
  let run: RunTrainingResult;
  try {
    run = await runTraining({
      data,
      model,
      train,
      backend,
      trainLimit: integerFlag('--train-limit', values['train-limit']),
      testLimit: integerFlag('--test-limit', values['test-limit']),
      hooks: { shouldStop: () => stop },
    });
  } catch (e) {
    throw asUsageError(e);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  io.out(values.json ? JSON.stringify(reportJson(run)) : reportText(run));
  run.model.dispose();
  run.condensedModel?.dispose();
  return run.result.status === 'finished' ? 0 : 130;
}

/** Ctrl-C deliveries closer together than this are one press. */
const INTERRUPT_REPEAT_MS = 500;

function workersFlag(text: string | undefined): number | 'auto' {
  if (text === undefined || text === 'auto') return 'auto';
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--workers ${text}: expected an integer >= 1 or auto`);
  return Number(text);
}

function reportJson(run: RunTrainingResult) {
  const form = (f: RunTrainingResult['training']) =>
    f && { top1: f.evaluation.top1, top5: f.evaluation.top5, loss: f.evaluation.loss, flops: f.flops, params: f.params };
  return {
    status: run.result.status,
    backend: run.backend,
    workers: run.workers,
    dataset: run.dataset,
    config: run.config,
    iterations: run.result.iteration,
    seconds: run.seconds,
    training: form(run.training),
    condensed: form(run.condensed),
    epochs: run.result.history.epochs,
    files: { ...run.result.files, condensed: run.condensedDir },
  };
}

function reportText(run: RunTrainingResult): string {
  const c = run.config;
  const lines = [
    `backend    ${run.backend.name}${run.workers > 1 ? `, ${run.workers} threads (data-parallel)` : ''}`,
    `data       ${run.dataset.name}: ${run.dataset.trainSize} train / ${run.dataset.testSize} test images, ${run.dataset.height}x${run.dataset.width}x${run.dataset.channels}`,
    `model      stages ${c.stages.join('-')}, growth ${c.growth.join('-')}, G ${c.group1x1}, C ${c.condenseFactor}`,
    `time       ${(run.seconds / 60).toFixed(1)} min, ${run.result.iteration} iterations`,
  ];
  if (run.result.status !== 'finished') {
    lines.push(`stopped    resume with --resume --out ${run.result.files.checkpoint.replace(/\/last\.ckpt$/, '')}`);
    return lines.join('\n');
  }
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const row = (name: string, f: NonNullable<RunTrainingResult['training']>) =>
    `${name.padEnd(16)}${pct(f.evaluation.top1).padStart(8)}${pct(f.evaluation.top5).padStart(8)}${humanCount(f.flops).padStart(10)}${humanCount(f.params).padStart(10)}`;
  lines.push(
    '',
    `${'test'.padEnd(16)}${'top-1'.padStart(8)}${'top-5'.padStart(8)}${'FLOPs'.padStart(10)}${'params'.padStart(10)}`,
    row('training form', run.training!),
    row('condensed form', run.condensed!),
    '',
    'files',
    `  ${run.result.files.checkpoint}`,
    `  ${run.result.files.log}`,
    `  ${run.result.files.curve}`,
    `  ${run.condensedDir}/ (condensed model: model.json + weights.bin)`,
  );
  return lines.join('\n');
}
