import { ConfigError, DATA_KINDS, PRESET_NAMES, isPresetName, presetConfig, resolveConfig } from '@condensenet/core';
import type { CondenseNetConfig, CondenseNetConfigInput, DataKind } from '@condensenet/core';
import { UsageError } from '../errors.js';

/** Architecture flags named like the reference's command line (main.py), plus --preset. */
export const ARCHITECTURE_FLAG_OPTIONS = {
  preset: { type: 'string' },
  stages: { type: 'string' },
  growth: { type: 'string' },
  bottleneck: { type: 'string' },
  'group-1x1': { type: 'string' },
  'group-3x3': { type: 'string' },
  'condense-factor': { type: 'string' },
  'dropout-rate': { type: 'string' },
  'stem-stride': { type: 'string' },
} as const;

/** Architecture plus the input kind, for commands that build a model without data. */
export const MODEL_FLAG_OPTIONS = {
  ...ARCHITECTURE_FLAG_OPTIONS,
  data: { type: 'string' },
  'num-classes': { type: 'string' },
} as const;

export const ARCHITECTURE_FLAGS_HELP = `Model (either --preset or --stages and --growth):
  --preset NAME            ${PRESET_NAMES.join(', ')}
  --stages A-B-C           dense layers per block, e.g. 14-14-14
  --growth A-B-C           growth rate per block, e.g. 8-16-32
  --bottleneck N           bottleneck factor (default 4)
  --group-1x1 N            groups of the learned 1x1 convs (default 4)
  --group-3x3 N            groups of the 3x3 convs (default 4)
  --condense-factor N      condensation factor C (default: group-1x1)
  --dropout-rate X         dropout before each learned conv (default 0)
  --stem-stride N          stride of the first 3x3 conv (default: 2 above 64x64 inputs, else 1)`;

export const MODEL_FLAGS_HELP = `${ARCHITECTURE_FLAGS_HELP}
  --data KIND              ${DATA_KINDS.join(' | ')}: input size, stem stride, pool, classes
  --num-classes N          override the class count`;

/** The configuration fields that describe the network rather than its input. */
export type Architecture = Pick<
  CondenseNetConfig,
  'stages' | 'growth' | 'bottleneck' | 'group1x1' | 'group3x3' | 'condenseFactor' | 'dropout'
> & { stemStride?: number };

/** The architecture the flags describe, leaving input geometry and classes to the data. */
export function architectureFromFlags(values: ModelFlagValues): Architecture {
  const keys = Object.keys(ARCHITECTURE_FLAG_OPTIONS) as Array<keyof typeof ARCHITECTURE_FLAG_OPTIONS>;
  const config = configFromFlags(Object.fromEntries(keys.map((k) => [k, values[k]])));
  const { stages, growth, bottleneck, group1x1, group3x3, condenseFactor, dropout } = config;
  const architecture: Architecture = { stages, growth, bottleneck, group1x1, group3x3, condenseFactor, dropout };
  // Only a stride the user chose: otherwise the data's input size decides it.
  if (values['stem-stride'] !== undefined) architecture.stemStride = config.stemStride;
  return architecture;
}

export type ModelFlagValues = Partial<Record<keyof typeof MODEL_FLAG_OPTIONS, string>>;

/** Turns model flags into a validated configuration; a ConfigError becomes a UsageError naming the flag. */
export function configFromFlags(values: ModelFlagValues): CondenseNetConfig {
  return withFlagNames(() => resolveFlags(values));
}

/** Runs `fn`, turning a ConfigError into a UsageError that names the flag to change. */
export function withFlagNames<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw asUsageError(e);
  }
}

/** A ConfigError as the UsageError that names its flag; anything else unchanged. */
export function asUsageError(e: unknown): unknown {
  return e instanceof ConfigError ? new UsageError(`invalid model: ${flagName(e.field)} ${e.message}`) : e;
}

function resolveFlags(values: ModelFlagValues): CondenseNetConfig {
  const overrides = flagOverrides(values);
  if (values.preset !== undefined) {
    if (!isPresetName(values.preset)) {
      throw new UsageError(`--preset ${values.preset}: unknown preset; known presets: ${PRESET_NAMES.join(', ')}`);
    }
    return presetConfig(values.preset, overrides);
  }
  if (overrides.stages === undefined || overrides.growth === undefined) {
    throw new UsageError('give a model: --preset NAME, or --stages and --growth (e.g. --stages 14-14-14 --growth 8-16-32)');
  }
  return resolveConfig(overrides as CondenseNetConfigInput);
}

/** The configuration fields the flags set (no preset, nothing resolved), e.g. to check against weights. */
export function flagOverrides(values: ModelFlagValues): Partial<CondenseNetConfigInput> {
  const overrides: Partial<CondenseNetConfigInput> = {};
  if (values.bottleneck !== undefined) overrides.bottleneck = integer('--bottleneck', values.bottleneck);
  if (values['group-1x1'] !== undefined) overrides.group1x1 = integer('--group-1x1', values['group-1x1']);
  if (values['group-3x3'] !== undefined) overrides.group3x3 = integer('--group-3x3', values['group-3x3']);
  if (values['condense-factor'] !== undefined) {
    overrides.condenseFactor = integer('--condense-factor', values['condense-factor']);
  }
  if (values['dropout-rate'] !== undefined) overrides.dropout = number('--dropout-rate', values['dropout-rate']);
  if (values['stem-stride'] !== undefined) overrides.stemStride = integer('--stem-stride', values['stem-stride']);
  if (values['num-classes'] !== undefined) overrides.numClasses = integer('--num-classes', values['num-classes']);
  if (values.data !== undefined) {
    if (!(DATA_KINDS as readonly string[]).includes(values.data)) {
      throw new UsageError(`--data ${values.data}: expected one of ${DATA_KINDS.join(', ')}`);
    }
    overrides.data = values.data as DataKind;
  }
  if (values.stages !== undefined) overrides.stages = list('--stages', values.stages);
  if (values.growth !== undefined) overrides.growth = list('--growth', values.growth);
  return overrides;
}

/** The flag that sets each configuration field, for messages. */
export const FIELD_FLAGS: Record<string, string> = {
  stages: '--stages',
  growth: '--growth',
  bottleneck: '--bottleneck',
  group1x1: '--group-1x1',
  group3x3: '--group-3x3',
  condenseFactor: '--condense-factor',
  dropout: '--dropout-rate',
  stemStride: '--stem-stride',
  numClasses: '--num-classes',
  data: '--data',
};

function flagName(field: string): string {
  const flag = FIELD_FLAGS[field.replace(/\[\d+\]$/, '')];
  return flag ? `(${flag})` : '';
}

function list(flag: string, text: string): number[] {
  const parts = text.split('-');
  if (!parts.every((p) => /^\d+$/.test(p))) {
    throw new UsageError(`${flag} ${text}: expected positive integers joined by '-', e.g. 14-14-14`);
  }
  return parts.map(Number);
}

function integer(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} ${text}: expected a positive integer`);
  return Number(text);
}

function number(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${flag} ${text}: expected a number`);
  return value;
}
