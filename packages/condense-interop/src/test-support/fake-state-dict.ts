import { buildPlan, denseLayers, referenceParameters, type CondenseNetConfig, type ModelForm } from '@condensenet/core';
import type { ShapedEntry } from '../checkpoint/types.js';

/**
 * A reference state_dict for `config` with zero weights. In the training form every learned
 * group conv is at `stage` (default: the last, C - 1) with `_count` = stage * in / C, and group
 * g (outputs o with o % G == g) has dropped the inputs g, g + 1, …, g + count - 1 (mod in), so
 * the groups' masks differ and G can be read back from them.
 */
export function fakeStateDict(
  config: CondenseNetConfig,
  form: ModelForm,
  stage = config.condenseFactor - 1,
): Map<string, ShapedEntry> {
  const plan = buildPlan(config);
  const entries = new Map<string, ShapedEntry>(
    referenceParameters(plan, form).map((p) => [
      p.name,
      { shape: p.shape, data: new Float32Array(p.shape.reduce((a, b) => a * b, 1)) },
    ]),
  );
  if (form === 'condensed') return entries;
  const { group1x1: G, condenseFactor: C } = config;
  for (const layer of denseLayers(plan)) {
    const { inChannels: R, outChannels: O } = layer.learnedGroup;
    const count = (stage * R) / C;
    const prefix = `${layer.torchPrefix}.conv_1`;
    entries.set(`${prefix}._stage`, { shape: [1], data: Float32Array.of(stage) });
    entries.set(`${prefix}._count`, { shape: [1], data: Float32Array.of(count) });
    const mask = new Float32Array(O * R).fill(1);
    for (let o = 0; o < O; o++) {
      for (let t = 0; t < count; t++) mask[o * R + (((o % G) + t) % R)] = 0;
    }
    entries.set(`${prefix}._mask`, { shape: [O, R, 1, 1], data: mask });
  }
  return entries;
}
