import { parseArgs } from 'node:util';
import { evaluateSaved, selectBackend } from '@condensenet/train';
import type { Evaluation } from '@condensenet/train';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';
import { BACKEND_HELP, backendFlag } from '../flags/backend.js';
import { integerFlag } from '../flags/numbers.js';

export const EVAL_HELP = `condense eval: top-1 / top-5 of a saved model on a data set's test split

Usage: condense eval MODEL --data SPEC [--test-limit N] [--json]

MODEL is a checkpoint (last.ckpt), a run directory, a saved model directory (model.json), or a
runtime artifact (model.cnn.json or a directory holding only that), which runs through the
runtime's session on --backend and holds the condensed form only. A finished training-form
model is evaluated in both forms: as trained and condensed.
  --data SPEC      fashion-mnist | mnist | cifar10:PATH | cifar100:PATH | folder:DIR (PATH: the
                   extracted binary folder, the downloaded .tar.gz, or a folder holding it)
  --test-limit N   evaluate a seeded random subset of N test images (the same N images every run)
  ${BACKEND_HELP}`;

export async function evalCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      'test-limit': { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('expected one MODEL (a checkpoint or a model directory)');
  if (!values.data) throw new UsageError('--data SPEC is required (e.g. --data fashion-mnist)');
  const backend = backendFlag(values.backend);
  await selectBackend(backend);
  const result = await evaluateSaved(positionals[0], values.data, { testLimit: integerFlag('--test-limit', values['test-limit']), backend });
  if (values.json) {
    io.out(JSON.stringify(result));
    return 0;
  }
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const row = (name: string, e: Evaluation) =>
    `${name.padEnd(16)}${pct(e.top1).padStart(8)}${pct(e.top5).padStart(8)}${e.loss.toFixed(4).padStart(9)}${String(e.examples).padStart(8)}`;
  const lines = [`${result.source} on ${values.data}`, '', `${''.padEnd(16)}${'top-1'.padStart(8)}${'top-5'.padStart(8)}${'loss'.padStart(9)}${'images'.padStart(8)}`];
  if (result.training) lines.push(row('training form', result.training));
  if (result.condensed) lines.push(row('condensed form', result.condensed));
  if (result.note) lines.push('', result.note);
  io.out(lines.join('\n'));
  return 0;
}
