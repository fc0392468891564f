import { summaryCommand, SUMMARY_HELP } from './commands/summary.js';
import { trainCommand, TRAIN_HELP } from './commands/train.js';
import { convertCommand, CONVERT_HELP } from './commands/convert.js';
import { evalCommand, EVAL_HELP } from './commands/eval.js';
import { predictCommand, PREDICT_HELP } from './commands/predict.js';
import { benchCommand, BENCH_HELP } from './commands/bench.js';
import { importCommand, IMPORT_HELP } from './commands/import.js';
import { exportCommand, EXPORT_HELP } from './commands/export.js';
import { showCommand, SHOW_HELP } from './commands/show.js';
import { UsageError } from './errors.js';
import { processIO } from './io.js';
import type { CliIO } from './io.js';

type Command = (argv: string[], io: CliIO) => number | Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  summary: { run: summaryCommand, help: SUMMARY_HELP },
  train: { run: trainCommand, help: TRAIN_HELP },
  convert: { run: convertCommand, help: CONVERT_HELP },
  eval: { run: evalCommand, help: EVAL_HELP },
  predict: { run: predictCommand, help: PREDICT_HELP },
  bench: { run: benchCommand, help: BENCH_HELP },
  import: { run: importCommand, help: IMPORT_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
  show: { run: showCommand, help: SHOW_HELP },
};

const HELP = `condense: CondenseNet (learned group convolutions) for TensorFlow.js

Usage: condense <command> [options]

Commands:
  summary    layers, FLOPs and parameters of a model, training and condensed form
  train      train a CondenseNet (default: quick start on Fashion-MNIST), condense, evaluate
  convert    a trained checkpoint -> the condensed model (and its runtime artifact)
  eval       top-1 / top-5 of a checkpoint or saved model on a data set
  predict    classify PNG / JPEG images with a converted model
  bench      inference latency and images/s of a converted model or a preset
  import     a PyTorch checkpoint (authors' main.py, either form) or safetensors -> our model files
  export     a model of ours -> PyTorch (torch.load), ONNX or safetensors
  show       draw a condensed model's learned connectivity (which earlier layers each group reads) as a PNG

Run 'condense help <command>' or 'condense <command> --help' for a command's options.`;

/**
 * Runs one CLI invocation and returns its exit code: 0 on success, 2 for anything the user can
 * fix (bad flags, bad values) with a one-line message, 1 for unexpected failures.
 */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest[0] && COMMANDS[rest[0]]) {
    io.out(COMMANDS[rest[0]].help);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`condense: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError || isParseArgsError(e)) {
      io.err(`condense ${name}: ${(e as Error).message}`);
      return 2;
    }
    io.err(`condense ${name}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

function isParseArgsError(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
