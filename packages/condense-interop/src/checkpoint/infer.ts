import {
  ConfigError,
  buildPlan,
  denseLayers,
  inputGeometry,
  referenceParameters,
  resolveConfig,
  type CondenseNetConfig,
  type CondenseNetConfigInput,
} from '@condensenet/core';
import { InteropError } from '../errors.js';
import { detectForm } from './form.js';
import { formatSetting } from './format.js';
import { chooseGeometry } from './geometry.js';
import { readCondensedGroups } from './learned-condensed.js';
import { readTrainingCondensation } from './learned-training.js';
import { OverrideCheck } from './overrides.js';
import { readStructure, type Structure } from './structure.js';
import type { InferOptions, InferredArchitecture, ShapedEntry } from './types.js';
import { verifyStateDict } from './verify.js';

/**
 * The CondenseNet configuration a reference state_dict (either form, already unwrapped) was
 * built with, read from its names and shapes (and, in the training form, its masks and
 * condensing counters), then checked by rebuilding the reference's exact names and shapes.
 */
export function inferArchitecture(
  stateDict: ReadonlyMap<string, ShapedEntry>,
  options: InferOptions,
): InferredArchitecture {
  const { source } = options;
  const overrides = new OverrideCheck(
    { ...options.overrides, ...stated(options, 'numClasses', source), ...stated(options, 'data', source) },
    { ...(options.numClasses !== undefined && { numClasses: 'numClasses' }), ...options.overrideNames },
    source,
  );
  const form = detectForm(stateDict, source);
  const notes: string[] = [];
  const structure = readStructure(stateDict, form, overrides, notes, source);
  const base: CondenseNetConfigInput = {
    stages: structure.stages,
    growth: structure.growth,
    bottleneck: structure.bottleneck,
    group3x3: structure.group3x3,
    inputChannels: structure.inputChannels,
    numClasses: structure.numClasses,
    dropout: overrides.values.dropout ?? 0,
    ...chooseGeometry(
      { count: structure.numClasses, evidence: structure.classifier, stated: overrides.values.numClasses !== undefined },
      overrides.values.data,
      overrides.values,
      notes,
      source,
    ),
  };
  notes.push(
    overrides.values.dropout === undefined
      ? 'dropout 0: the default, as a state_dict does not store it'
      : `dropout ${overrides.values.dropout} as given`,
  );
  const what = `the ${form} form of ${describe(structure)}`;

  if (form === 'training') {
    // Training-form names and shapes do not depend on G or C, so they are checked before the
    // masks that G and C are read from.
    const shapes = buildPlan(resolve({ ...base, group1x1: 1, condenseFactor: 1 }, source));
    verifyStateDict(stateDict, referenceParameters(shapes, 'training'), what, source);
    const learned = readTrainingCondensation(stateDict, denseLayers(shapes), overrides, notes, source);
    const config = resolve({ ...base, group1x1: learned.group1x1, condenseFactor: learned.condenseFactor }, source);
    notePool(notes, config);
    return { form, config, condensing: learned.condensing, notes };
  }
  // The first dense layer reads the stem's 2 * growth[0] channels.
  const first = { torchPrefix: 'features.denseblock_1.denselayer_1', inChannels: 2 * structure.growth[0] };
  const config = resolve({ ...base, ...readCondensedGroups(stateDict, first, overrides, notes, source) }, source);
  verifyStateDict(stateDict, referenceParameters(buildPlan(config), 'condensed'), what, source);
  notePool(notes, config);
  return { form, config, condensing: { finished: true, layers: [] }, notes };
}

/** `options.numClasses` / `options.data`, refused when `overrides` says otherwise. */
function stated<K extends 'numClasses' | 'data'>(options: InferOptions, key: K, source: string): Partial<CondenseNetConfigInput> {
  const [direct, override] = [options[key], options.overrides?.[key]];
  if (direct !== undefined && override !== undefined && direct !== override) {
    throw new InteropError(source, `${key} ${direct} and overrides.${key} ${override} disagree`);
  }
  return direct === undefined ? {} : { [key]: direct };
}

function notePool(notes: string[], config: CondenseNetConfig): void {
  const reference = inputGeometry(config.data).poolSize;
  if (config.poolSize !== reference) {
    notes.push(
      `poolSize ${config.poolSize}: the side of the last block's maps (the reference's ${config.data} pool ${reference} fits its own block count only)`,
    );
  }
}

function describe(s: Structure): string {
  return `CondenseNet stages ${formatSetting(s.stages)}, growth ${formatSetting(s.growth)}, bottleneck ${s.bottleneck}, group3x3 ${s.group3x3}, ${s.numClasses} classes`;
}

function resolve(input: CondenseNetConfigInput, source: string): CondenseNetConfig {
  try {
    return resolveConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new InteropError(source, `the configuration the weights show is not a valid CondenseNet: ${error.message}`);
    }
    throw error;
  }
}
