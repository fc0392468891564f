import { parseArgs } from 'node:util';
import { exportModel, selectBackend } from '@condensenet/train';
import { UsageError } from '../errors.js';
import { humanCount } from '../format.js';
import type { CliIO } from '../io.js';

export const EXPORT_HELP = `condense export: a model of ours -> PyTorch, ONNX or safetensors

Usage: condense export MODEL --format pytorch|onnx|safetensors --out FILE [--include-normalization] [--json]

MODEL is a runtime artifact (model.cnn.json or its directory), a saved model directory
(model.json, either form) or a training checkpoint (last.ckpt, or its run directory).
  pytorch       a torch zip file holding {'state_dict': ...} under the reference's names:
                torch.load (also with weights_only=True) reads it, and the authors' CondenseNet
                (training form) or converted model (condensed form) accepts it with load_state_dict
  safetensors   the same state_dict; our configuration, classes and normalisation in the metadata
  onnx          the condensed model as one ONNX graph (opset 13, dynamic batch, NCHW float32
                input 'input', output 'logits'); needs the condensed form
  --include-normalization   ONNX: the graph takes pixels in [0, 1] and normalises them itself
                            (default: it takes normalised input, as the PyTorch model does)
The file is written atomically: an existing FILE is replaced only by a complete new one.`;

const FORMATS = ['pytorch', 'onnx', 'safetensors'] as const;

export async function exportCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      format: { type: 'string' },
      out: { type: 'string' },
      'include-normalization': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('expected one MODEL (e.g. runs/fashion-mnist/condensed)');
  const format = values.format as (typeof FORMATS)[number] | undefined;
  if (!format || !FORMATS.includes(format)) throw new UsageError(`--format is required: ${FORMATS.join(', ')}`);
  if (!values.out) throw new UsageError('--out FILE is required');
  if (values['include-normalization'] && format !== 'onnx') throw new UsageError('--include-normalization applies to --format onnx only');
  await selectBackend('cpu');
  const result = await exportModel(positionals[0], values.out, { format, includeNormalization: values['include-normalization'] ?? false });
  io.out(
    values.json
      ? JSON.stringify({ ...result, format })
      : `wrote ${result.file}: ${result.form} form of ${result.source} as ${format} (${humanCount(result.bytes)} bytes)`,
  );
  return 0;
}
