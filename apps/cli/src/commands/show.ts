import { existsSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { buildPlan, learnedConnectivity } from '@condensenet/core';
import { condense } from '@condensenet/layers';
import type { CondensedModel } from '@condensenet/runtime';
import { loadArtifactFromFile } from '@condensenet/runtime/node';
import { loadSavedModel, renderConnectivity, runtimeArtifactAt, runtimeModelOf, selectBackend } from '@condensenet/train';
import { UsageError } from '../errors.js';
import type { CliIO } from '../io.js';

export const SHOW_HELP = `condense show: draw a condensed model's learned connectivity

Usage: condense show MODEL --out FILE.png

MODEL is a runtime artifact (model.cnn.json or a directory holding it), a saved condensed model
(a directory with model.json), or a training checkpoint (last.ckpt or its run directory) that has
finished condensing. The picture has one heatmap per dense block, as the paper's figure: a row
per group of each layer's learned group convolution, a column per source layer (the stem and each
earlier dense layer), each cell the number of that source's output channels the group reads,
shaded by their share; and one row for the condensing classifier's kept features.`;

export async function showCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { out: { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw new UsageError('expected one MODEL (e.g. condense show runs/fashion-mnist/condensed --out connectivity.png)');
  if (!values.out) throw new UsageError('--out FILE.png is required');
  if (!values.out.endsWith('.png')) throw new UsageError(`--out ${values.out}: expected a .png file name`);
  if (!existsSync(dirname(values.out))) throw new UsageError(`--out ${values.out}: no directory ${dirname(values.out)}`);
  const [path] = positionals;
  const model = await condensedModel(path);
  const layers = learnedConnectivity(buildPlan(model.config), (name) => model.tensors.get(name));
  const { stages, growth } = model.config;
  writeFileSync(values.out, renderConnectivity(layers, `learned connectivity: stages ${stages.join('-')}, growth ${growth.join('-')}`));
  io.out(`wrote ${values.out}: ${layers.length - 1} condensed layers and the classifier`);
  return 0;
}

/** The condensed form of what `path` holds, as the runtime's tensors. */
async function condensedModel(path: string): Promise<CondensedModel> {
  const artifact = runtimeArtifactAt(path);
  if (artifact) return loadArtifactFromFile(artifact);
  // Condensing a training form runs its layers once.
  await selectBackend('auto');
  const loaded = await loadSavedModel(path);
  const models = [loaded.model];
  try {
    if (loaded.form === 'condensed') return runtimeModelOf(loaded.model);
    const condensed = condense(loaded.model);
    models.push(condensed);
    return runtimeModelOf(condensed);
  } finally {
    for (const m of models) m.dispose();
  }
}
