import type { DenseLayerPlan } from '@condensenet/core';
import { InteropError } from '../errors.js';
import { counterValue } from './entries.js';
import { formatShape } from './format.js';
import { leastCommonMultiple, maskPattern, type MaskPattern } from './masks.js';
import type { OverrideCheck } from './overrides.js';
import type { CondensingProgress, ShapedEntry } from './types.js';

/** The reference's group count when nothing else says (`resolveConfig`'s default too). */
const DEFAULT_GROUPS = 4;

interface LayerReading {
  prefix: string;
  inChannels: number;
  mask: string;
  stage?: number;
  count?: number;
  pattern?: MaskPattern;
}

/**
 * G and C of a training-form state_dict whose names and shapes are already checked: G from the
 * masks' row structure (output o belongs to group o % G), C from the `_count` dropped after
 * `_stage` stages (count = stage * in / C), with each layer's progress.
 */
export function readTrainingCondensation(
  stateDict: ReadonlyMap<string, ShapedEntry>,
  layers: readonly DenseLayerPlan[],
  overrides: OverrideCheck,
  notes: string[],
  source: string,
): { group1x1: number; condenseFactor: number; condensing: CondensingProgress } {
  const readings = layers.map((layer) => readLayer(stateDict, layer, source));
  const group1x1 = inferGroups(readings, layers, overrides, notes, source);
  const condenseFactor = inferCondenseFactor(readings, group1x1, overrides, notes, source);
  const progress = readings.map((r) => {
    const keptPerGroup = r.pattern === undefined ? undefined : r.inChannels - r.pattern.dropped;
    return {
      layer: r.prefix,
      inChannels: r.inChannels,
      ...(r.stage !== undefined && { stage: r.stage }),
      ...(r.count !== undefined && { count: r.count }),
      ...(keptPerGroup !== undefined && { keptPerGroup }),
      // readLayer has checked the mask against _count, so the stage alone says how much is kept.
      last: r.stage === condenseFactor - 1,
    };
  });
  return { group1x1, condenseFactor, condensing: { finished: progress.every((l) => l.last), layers: progress } };
}

function readLayer(stateDict: ReadonlyMap<string, ShapedEntry>, layer: DenseLayerPlan, source: string): LayerReading {
  const prefix = `${layer.torchPrefix}.conv_1`;
  const entry = (suffix: string) => stateDict.get(`${prefix}.${suffix}`) as ShapedEntry;
  const mask = entry('_mask');
  const reading: LayerReading = {
    prefix,
    inChannels: layer.inChannels,
    mask: `${prefix}._mask ${formatShape(mask.shape)}`,
    stage: counterValue(entry('_stage'), `${prefix}._stage`, source),
    count: counterValue(entry('_count'), `${prefix}._count`, source),
  };
  if (mask.data !== undefined) {
    reading.pattern = maskPattern(mask.data, layer.learnedGroup.outChannels, `${prefix}._mask`, source);
    if (reading.count !== undefined && reading.pattern.dropped !== reading.count) {
      throw new InteropError(
        source,
        `${prefix}._mask has dropped ${reading.pattern.dropped} inputs per output but ${prefix}._count = ${reading.count}`,
      );
    }
  }
  if (reading.stage === 0 && reading.count !== undefined && reading.count > 0) {
    throw new InteropError(source, `${prefix}._count = ${reading.count} at _stage 0: the reference drops inputs only when it enters a stage`);
  }
  return reading;
}

function inferGroups(
  readings: readonly LayerReading[],
  layers: readonly DenseLayerPlan[],
  overrides: OverrideCheck,
  notes: string[],
  source: string,
): number {
  const seen = readings.filter((r): r is LayerReading & { pattern: MaskPattern } => r.pattern !== undefined);
  const pruned = seen.some((r) => r.pattern.dropped > 0);
  const wanted = overrides.values.group1x1;
  if (wanted !== undefined) {
    for (const r of seen) {
      if (wanted % r.pattern.period !== 0) {
        overrides.contradict(
          'group1x1',
          r.mask,
          `its rows repeat every ${r.pattern.period} outputs: group1x1 ${r.pattern.period} or a multiple of it`,
        );
      }
    }
    notes.push(`group1x1 ${wanted} as given${pruned ? '; the masks agree' : ''}`);
    return wanted;
  }
  if (!pruned) {
    const why = seen.length === 0 ? 'the _mask tensors carry no data' : 'every _mask is still all ones (stage 0)';
    notes.push(`group1x1 ${DEFAULT_GROUPS}: the default, because ${why}, so the groups cannot be seen`);
    return DEFAULT_GROUPS;
  }
  const groups = leastCommonMultiple(seen.map((r) => r.pattern.period));
  notes.push(`group1x1 ${groups} from the _mask rows: in every layer output o shares the inputs of output o % ${groups}`);
  // A group count the layers' widths cannot hold would fail in resolveConfig with less to go on.
  const misfit = layers.find((l) => l.learnedGroup.outChannels % groups !== 0 || l.inChannels % groups !== 0);
  if (misfit !== undefined) {
    const { outChannels, inChannels } = misfit.learnedGroup;
    throw new InteropError(
      source,
      `the masks together imply group1x1 ${groups}, but ${readings[layers.indexOf(misfit)].mask} has ${outChannels} outputs and ${inChannels} inputs, not both divisible by it`,
    );
  }
  return groups;
}

function inferCondenseFactor(
  readings: readonly LayerReading[],
  groups: number,
  overrides: OverrideCheck,
  notes: string[],
  source: string,
): number {
  const staged = readings.filter(
    (r): r is LayerReading & { stage: number; count: number } => r.stage !== undefined && r.stage > 0 && r.count !== undefined,
  );
  let factor: number | undefined;
  let witness = '';
  for (const r of staged) {
    const evidence = `${r.prefix}._count = ${r.count} at _stage ${r.stage}`;
    const perStage = r.count / r.stage;
    const c = r.inChannels / perStage;
    if (!Number.isInteger(perStage) || !Number.isInteger(c) || r.stage > c - 1) {
      throw new InteropError(
        source,
        `${evidence}: the reference drops in // C inputs per group at each stage, and ${r.inChannels} inputs cannot be dropped ${perStage} at a time over ${r.stage} stages`,
      );
    }
    if (factor !== undefined && c !== factor) {
      throw new InteropError(source, `${witness} means condenseFactor ${factor} but ${evidence} means ${c}`);
    }
    overrides.agree('condenseFactor', c, evidence, `${r.inChannels} inputs, ${perStage} dropped per stage: condenseFactor ${c}`);
    if (factor === undefined) [factor, witness] = [c, evidence];
  }
  if (factor !== undefined) {
    notes.push(`condenseFactor ${factor} from _count / _stage: ${witness}`);
    return factor;
  }
  const wanted = overrides.values.condenseFactor;
  if (wanted !== undefined) {
    notes.push(`condenseFactor ${wanted} as given; no layer has reached a condensing stage to show it`);
    return wanted;
  }
  notes.push(`condenseFactor ${groups}: the default (= group1x1), because no layer has reached a condensing stage, so it cannot be seen`);
  return groups;
}
