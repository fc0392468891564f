import { resolveConfig } from '@condensenet/core';
import type { CondenseNetConfig, CondenseNetConfigInput } from '@condensenet/core';
import { InteropError } from '../errors.js';

/**
 * What our tools know about a model beyond its tensors, stored as one JSON string in the files
 * we export (a key of the torch dict, a safetensors metadata entry): the whole configuration
 * (the input geometry no weight shows), the form, and the data's class names and normalisation.
 * A string, not nested Python values, because torch 1.13's weights_only loader refuses floats.
 */
export interface SavedDescription {
  config: CondenseNetConfig;
  form: 'training' | 'condensed';
  dataset?: string;
  classes?: string[];
  normalization?: { mean: number[]; std: number[] };
}

/** Its key in an exported torch dict and in safetensors metadata. */
export const DESCRIPTION_KEY = 'condensenet';
const FORMAT = 'condensenet-description';
const VERSION = 1;

export function encodeDescription(description: SavedDescription): string {
  return JSON.stringify({ format: FORMAT, version: VERSION, ...description });
}

export function decodeDescription(text: string, source: string): SavedDescription {
  const fail = (what: string): never => {
    throw new InteropError(source, `its '${DESCRIPTION_KEY}' entry ${what}`);
  };
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail(`is not JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || value.format !== FORMAT) fail(`is not a ${FORMAT}`);
  if (value.version !== VERSION) fail(`has version ${JSON.stringify(value.version)}; this build reads version ${VERSION}`);
  if (value.form !== 'training' && value.form !== 'condensed') fail(`has form ${JSON.stringify(value.form)}, expected 'training' or 'condensed'`);
  let config: CondenseNetConfig;
  try {
    config = resolveConfig(value.config as CondenseNetConfigInput);
  } catch (e) {
    return fail(`holds an invalid configuration (${(e as Error).message})`);
  }
  const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string');
  const numbers = (x: unknown) => Array.isArray(x) && x.every((n) => typeof n === 'number' && Number.isFinite(n));
  if (value.classes !== undefined && !strings(value.classes)) fail('has classes that are not a list of strings');
  const normalization = value.normalization as { mean?: unknown; std?: unknown } | undefined;
  if (normalization !== undefined && !(numbers(normalization.mean) && numbers(normalization.std))) {
    fail('has a normalisation without numeric mean and std lists');
  }
  if (value.dataset !== undefined && typeof value.dataset !== 'string') fail('has a dataset name that is not a string');
  return {
    config,
    form: value.form as SavedDescription['form'],
    ...(value.dataset !== undefined ? { dataset: value.dataset as string } : {}),
    ...(value.classes !== undefined ? { classes: value.classes as string[] } : {}),
    ...(normalization !== undefined ? { normalization: normalization as SavedDescription['normalization'] & object } : {}),
  };
}
