import type { DenseLayerPlan } from '@condensenet/core';
import { InteropError } from '../errors.js';
import { requireShape } from './entries.js';
import { formatShape } from './format.js';
import type { OverrideCheck } from './overrides.js';
import type { ShapedEntry } from './types.js';

/**
 * G and C of a condensed state_dict, from its first learned group conv: the index gathers
 * kept = in * G / C inputs and the grouped conv takes kept / G = in / C of them per group.
 */
export function readCondensedGroups(
  stateDict: ReadonlyMap<string, ShapedEntry>,
  first: Pick<DenseLayerPlan, 'torchPrefix' | 'inChannels'>,
  overrides: OverrideCheck,
  notes: string[],
  source: string,
): { group1x1: number; condenseFactor: number } {
  const prefix = `${first.torchPrefix}.conv_1`;
  const index = requireShape(stateDict, `${prefix}.index`, 1, 'the inputs the condensed conv gathers', source);
  const weight = requireShape(stateDict, `${prefix}.conv.weight`, 4, 'the inputs per group', source);
  const [kept, perGroup] = [index[0], weight[1]];
  const indexEvidence = `${prefix}.index ${formatShape(index)}`;
  const weightEvidence = `${prefix}.conv.weight ${formatShape(weight)}`;
  const group1x1 = kept / perGroup;
  if (!Number.isInteger(group1x1)) {
    throw new InteropError(source, `${indexEvidence} gathers ${kept} inputs, not a multiple of the ${perGroup} per group of ${weightEvidence}`);
  }
  const condenseFactor = first.inChannels / perGroup;
  if (!Number.isInteger(condenseFactor)) {
    throw new InteropError(
      source,
      `${weightEvidence} keeps ${perGroup} inputs per group, which does not divide the layer's ${first.inChannels} inputs`,
    );
  }
  overrides.agree('group1x1', group1x1, `${weightEvidence} with ${indexEvidence}`, `${kept} gathered inputs, ${perGroup} per group: group1x1 ${group1x1}`);
  overrides.agree('condenseFactor', condenseFactor, weightEvidence, `${first.inChannels} inputs, ${perGroup} kept per group: condenseFactor ${condenseFactor}`);
  notes.push(`group1x1 ${group1x1} = ${kept} inputs gathered by ${prefix}.index / ${perGroup} per group in its conv.weight`);
  notes.push(`condenseFactor ${condenseFactor} = ${first.inChannels} inputs of ${prefix} / ${perGroup} kept per group`);
  return { group1x1, condenseFactor };
}
