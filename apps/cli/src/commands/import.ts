import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DATA_KINDS, type DataKind } from '@condensenet/core';
import { importCheckpoint, selectBackend } from '@condensenet/train';
import { UsageError } from '../errors.js';
import { ARCHITECTURE_FLAG_OPTIONS, FIELD_FLAGS, flagOverrides, withFlagNames } from '../flags/model-flags.js';
import type { CliIO } from '../io.js';

export const IMPORT_HELP = `condense import: a PyTorch checkpoint of the authors' CondenseNet code -> our files

Usage: condense import CHECKPOINT --out DIR [--data cifar10|cifar100|imagenet] [--classes FILE] [--json]

CHECKPOINT is what the authors' main.py writes (a checkpoint with epoch, state_dict, optimizer;
or the {'state_dict': ...} of --convert-from), a bare state_dict, with or without DataParallel's
'module.' prefix, in torch's zip or legacy format (.pth, .pt, .pth.tar), or a safetensors file.
Nothing in it is executed: only tensors and plain data are read. The architecture (stages,
growth, bottleneck, both group counts, condense factor, classes) is read from the tensors'
names and shapes; flags you give are checked against them.

A converted (condensed) model becomes DIR/model.json + weights.bin (tfjs-layers) and the runtime
artifact DIR/model.cnn.json + model.cnn.bin, for 'condense predict', 'eval' and 'bench'.
A training form becomes DIR/last.ckpt, which 'condense train --resume --out DIR --data SPEC'
fine-tunes (weights, masks, condensing state and momentum carried over; a fresh schedule of
--epochs), and, once every learned group conv has reached its last stage, DIR/condensed/ too.

  --data KIND      the input geometry and normalisation the weights cannot show: ${DATA_KINDS.join(' | ')}
                   (default: guessed from the class count: 10 cifar10, 100 cifar100, 1000 imagenet)
  --classes FILE   class names, one per line (or a JSON array), in label order
  --json           one JSON object: form, configuration, notes and files written
Architecture flags (--stages, --growth, --bottleneck, --group-1x1, --group-3x3,
--condense-factor, --stem-stride) state what you know; one that contradicts the weights is an
error naming the tensor.`;

export async function importCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...ARCHITECTURE_FLAG_OPTIONS,
      out: { type: 'string' },
      data: { type: 'string' },
      classes: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('expected one CHECKPOINT (e.g. converted_condensenet_4.pth.tar)');
  if (!values.out) throw new UsageError('--out DIR is required');
  if (values.preset !== undefined) throw new UsageError('--preset does not apply: the architecture is read from the checkpoint');
  if (values.data !== undefined && !(DATA_KINDS as readonly string[]).includes(values.data)) {
    throw new UsageError(`--data ${values.data}: expected one of ${DATA_KINDS.join(', ')}`);
  }
  const overrides = withFlagNames(() => flagOverrides(values));
  await selectBackend('cpu');
  const result = await importCheckpoint(positionals[0], values.out, {
    ...(values.data ? { data: values.data as DataKind } : {}),
    ...(values.classes ? { classes: readClassNames(values.classes) } : {}),
    overrides,
    overrideNames: FIELD_FLAGS,
  });
  if (values.json) {
    io.out(JSON.stringify(result));
    return 0;
  }
  const c = result.config;
  const lines = [
    `${result.source}: ${result.wrapper} (${result.format} format), ${result.form} form`,
    `model      ${c.data}, stages ${c.stages.join('-')}, growth ${c.growth.join('-')}, bottleneck ${c.bottleneck}, ` +
      `G ${c.group1x1}, group-3x3 ${c.group3x3}, C ${c.condenseFactor}, ${c.numClasses} classes, ${c.inputSize}x${c.inputSize}x${c.inputChannels}`,
    ...result.notes.map((n) => `  ${n}`),
    ...result.files.map((f) => `wrote      ${f}`),
  ];
  if (result.checkpoint) lines.push(`fine-tune  condense train --resume --out ${values.out} --data SPEC [--epochs N]`);
  if (result.unfinished) lines.push(`not condensed: ${result.unfinished}; fine-tune it to the end of its schedule, then 'condense convert'`);
  io.out(lines.join('\n'));
  return 0;
}

/** One name per line (blank lines ignored), or a JSON array of strings. */
function readClassNames(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--classes ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (text.trimStart().startsWith('[')) {
    let names: unknown;
    try {
      names = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`--classes ${file}: not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
      throw new UsageError(`--classes ${file}: expected a JSON array of strings`);
    }
    return names;
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}
