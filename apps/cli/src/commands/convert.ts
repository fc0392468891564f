import { parseArgs } from 'node:util';
import { buildPlan, countCost } from '@condensenet/core';
import { condenseNetMetadata } from '@condensenet/layers';
import { convertCheckpoint, selectBackend } from '@condensenet/train';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';
import { humanCount } from '../format.js';
import { writeRuntimeArtifact } from '@condensenet/train';

export const CONVERT_HELP = `condense convert: turn a trained checkpoint into the condensed model

Usage: condense convert CHECKPOINT --out DIR [--no-condensing-linear] [--json]

CHECKPOINT is a last.ckpt written by 'condense train' (or its run directory). Every learned
group convolution becomes index -> BN -> grouped 1x1 conv -> shuffle; the classifier becomes the
reference's condensing linear (half the features) unless --no-condensing-linear. Refuses a
checkpoint whose layers have not reached their last condensing stage.

Writes DIR/model.json + weights.bin (tfjs-layers) and, beside them, the @condensenet/runtime
artifact DIR/model.cnn.json + model.cnn.bin that 'condense predict' and 'condense bench' run
(not with --no-condensing-linear, which the artifact cannot hold).`;

export async function convertCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      'no-condensing-linear': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError('expected one CHECKPOINT (e.g. runs/fashion-mnist/last.ckpt)');
  if (!values.out) throw new UsageError('--out DIR is required');
  await selectBackend('auto');
  const { outDir, model } = await convertCheckpoint(positionals[0], values.out, {
    condensingLinear: !values['no-condensing-linear'],
  });
  const cost = countCost(buildPlan(condenseNetMetadata(model).config), 'condensed');
  const artifact = values['no-condensing-linear'] ? undefined : await writeRuntimeArtifact(model, outDir);
  model.dispose();
  io.out(
    values.json
      ? JSON.stringify({ out: outDir, ...(artifact ? { artifact } : {}), flops: cost.flops, params: cost.params })
      : `wrote ${outDir}/model.json and weights.bin${artifact ? ' (runtime: model.cnn.json, model.cnn.bin)' : ''}: condensed model, ${humanCount(cost.flops)} FLOPs, ${humanCount(cost.params)} parameters`,
  );
  return 0;
}
