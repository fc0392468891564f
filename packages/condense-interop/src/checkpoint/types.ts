import type { CondenseNetConfig, CondenseNetConfigInput, DataKind, ModelForm } from '@condensenet/core';

/** What inference reads of a tensor: its shape, and its values where it needs them (masks, buffers). */
export interface ShapedEntry {
  shape: readonly number[];
  data?: ArrayLike<number>;
}

/** How each override is named in errors, e.g. a CLI's `{ growth: '--growth' }`. */
export type OverrideNames = Partial<Record<keyof CondenseNetConfigInput, string>>;

export interface InferOptions {
  /** The file (or a description of the input), first in every error message. */
  source: string;
  /** The data the network was trained on: the input geometry, which no weight shows. */
  data?: DataKind;
  /** Classes the caller expects; checked against the classifier. */
  numClasses?: number;
  /** Settings the caller states: each is checked against the weights, or fills what they cannot show. */
  overrides?: Partial<CondenseNetConfigInput>;
  /** Defaults to `overrides.<field>`. */
  overrideNames?: OverrideNames;
}

/** One learned group conv of a training-form state_dict and how far it has condensed. */
export interface LayerCondensing {
  /** Its state_dict prefix, e.g. `features.denseblock_1.denselayer_1.conv_1`. */
  layer: string;
  inChannels: number;
  /** `_stage`, `_count` (inputs dropped per group) and the inputs each group's mask keeps; absent without data. */
  stage?: number;
  count?: number;
  keptPerGroup?: number;
  /** At the last stage (C - 1), so every group keeps in / C inputs: ready to be condensed. */
  last: boolean;
}

export interface CondensingProgress {
  /** Every learned group conv is at its last stage; always true for the condensed form. */
  finished: boolean;
  /** Training form: each learned group conv in network order. Condensed form: empty. */
  layers: LayerCondensing[];
}

export interface InferredArchitecture {
  form: ModelForm;
  config: CondenseNetConfig;
  condensing: CondensingProgress;
  /** What was read from which tensor, what was given, and what was a default. */
  notes: string[];
}
