import type { CondenseNetConfig } from '@condensenet/core';

export const ARTIFACT_FORMAT = 'condensenet-runtime-artifact';
export const ARTIFACT_VERSION = 1;

/** How floating-point tensors are stored in the weight file; index tensors are always int32. */
export type WeightStorage = 'float32' | 'float16';
export type StoredDtype = WeightStorage | 'int32';

/** One tensor in the weight file: little-endian, `byteLength` bytes from `offset`. */
export interface TensorEntry {
  /** The reference's state_dict key, e.g. `features.denseblock_1.denselayer_1.conv_1.index`. */
  name: string;
  /** PyTorch layout: OIHW convs, [out, in] Linear, [C] BatchNorm and index. */
  shape: number[];
  dtype: StoredDtype;
  offset: number;
  byteLength: number;
}

/** A layer of the condensed model and its tensors, in network order. */
export interface LayerEntry {
  /** Plan name: `init_conv`, `denseblock_1.denselayer_1`, ..., `norm_last`, `classifier`. */
  name: string;
  tensors: TensorEntry[];
}

/** The JSON half of an artifact (version 1). */
export interface ArtifactManifest {
  format: typeof ARTIFACT_FORMAT;
  version: typeof ARTIFACT_VERSION;
  /** The complete core configuration; the expected layers and shapes follow from buildPlan(config). */
  config: CondenseNetConfig;
  batchNormEpsilon: number;
  storage: WeightStorage;
  /** Name of the binary file, resolved against the manifest's path or URL. */
  weightsFile: string;
  weightsByteLength: number;
  /** Per input channel, applied as (pixel - mean) / std on inputs in [0, 1]. */
  normalization: { mean: number[]; std: number[] };
  classes: string[];
  layers: LayerEntry[];
}

/** A condensed model in memory: what an artifact encodes and what decoding returns. */
export interface CondensedModel {
  config: CondenseNetConfig;
  batchNormEpsilon: number;
  normalization: { mean: number[]; std: number[] };
  classes: string[];
  /** Every tensor of the condensed form by its reference name (float16 storage decoded to float32). */
  tensors: Map<string, Float32Array | Int32Array>;
}
