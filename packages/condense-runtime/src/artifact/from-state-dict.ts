import { resolveConfig, type CondenseNetConfig, type CondenseNetConfigInput } from '@condensenet/core';
import { expectedTensors } from './expected.js';
import type { CondensedModel } from './types.js';

/**
 * File names the tools give an artifact written beside a tfjs-layers model.json (which already
 * takes `model.json` / `weights.bin`).
 */
export const ARTIFACT_MANIFEST_FILE = 'model.cnn.json';
export const ARTIFACT_WEIGHTS_FILE = 'model.cnn.bin';

export type StateDictEntry = { data: Float32Array | Int32Array } | Float32Array | Int32Array;

export interface StateDictMetadata {
  config: CondenseNetConfig | CondenseNetConfigInput;
  /** Per input channel, for pixels in [0, 1]. */
  normalization: { mean: readonly number[]; std: readonly number[] };
  classes: readonly string[];
  /** Default 1e-5, the reference's. */
  batchNormEpsilon?: number;
}

/**
 * A condensed model from the reference state_dict of its condensed form (e.g.
 * `exportReferenceStateDict` of a condensed layers model): takes exactly the artifact's tensors,
 * so `num_batches_tracked` and other extras are left behind; `encodeArtifact` validates the rest.
 */
export function condensedModelFromStateDict(
  stateDict: ReadonlyMap<string, StateDictEntry> | Readonly<Record<string, StateDictEntry>>,
  metadata: StateDictMetadata,
): CondensedModel {
  const config = resolveConfig(metadata.config);
  const get = (name: string) => (stateDict instanceof Map ? stateDict.get(name) : (stateDict as Record<string, StateDictEntry>)[name]);
  const tensors = new Map<string, Float32Array | Int32Array>();
  for (const { name } of expectedTensors(config).tensors) {
    const entry = get(name);
    if (entry) tensors.set(name, entry instanceof Float32Array || entry instanceof Int32Array ? entry : entry.data);
  }
  return {
    config,
    batchNormEpsilon: metadata.batchNormEpsilon ?? 1e-5,
    normalization: { mean: [...metadata.normalization.mean], std: [...metadata.normalization.std] },
    classes: [...metadata.classes],
    tensors,
  };
}
