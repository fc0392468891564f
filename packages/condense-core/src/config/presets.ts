import { resolveConfig } from './resolve.js';
import type { CondenseNetConfig, CondenseNetConfigInput } from './types.js';

/**
 * The paper's models. CIFAR CondenseNet-N uses N = 2 * sum(stages) + 2 with growth 8-16-32
 * (CondenseNet-182: 12-24-48); the ImageNet models are CondenseNet-74 with C = G = 4 or 8.
 * `densenet-bc-100` is the baseline as the spec defines it: the same fully dense builder with
 * k = 12, ungrouped convolutions and no condensation (C = 1).
 */
const PRESET_INPUTS = {
  'condensenet-50': { stages: [8, 8, 8], growth: [8, 16, 32] },
  'condensenet-74': { stages: [12, 12, 12], growth: [8, 16, 32] },
  'condensenet-86': { stages: [14, 14, 14], growth: [8, 16, 32] },
  'condensenet-98': { stages: [16, 16, 16], growth: [8, 16, 32] },
  'condensenet-110': { stages: [18, 18, 18], growth: [8, 16, 32] },
  'condensenet-122': { stages: [20, 20, 20], growth: [8, 16, 32] },
  'condensenet-182': { stages: [30, 30, 30], growth: [12, 24, 48] },
  'condensenet-74-c4': {
    stages: [4, 6, 8, 10, 8],
    growth: [8, 16, 32, 64, 128],
    group1x1: 4,
    group3x3: 4,
    condenseFactor: 4,
    data: 'imagenet',
  },
  'condensenet-74-c8': {
    stages: [4, 6, 8, 10, 8],
    growth: [8, 16, 32, 64, 128],
    group1x1: 8,
    group3x3: 8,
    condenseFactor: 8,
    data: 'imagenet',
  },
  'densenet-bc-100': {
    stages: [16, 16, 16],
    growth: [12, 12, 12],
    group1x1: 1,
    group3x3: 1,
    condenseFactor: 1,
  },
} satisfies Record<string, CondenseNetConfigInput>;

export type PresetName = keyof typeof PRESET_INPUTS;

export const PRESET_NAMES = Object.keys(PRESET_INPUTS) as PresetName[];

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESET_INPUTS, name);
}

/** A preset's configuration; `overrides` change single fields (e.g. `{ data: 'cifar100' }`). */
export function presetConfig(
  name: string,
  overrides: Partial<CondenseNetConfigInput> = {},
): CondenseNetConfig {
  if (!isPresetName(name)) {
    throw new Error(`unknown preset "${name}"; known presets: ${PRESET_NAMES.join(', ')}`);
  }
  return resolveConfig({ ...(PRESET_INPUTS[name] as CondenseNetConfigInput), ...overrides });
}
