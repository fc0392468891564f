import {
  buildPlan,
  presetConfig,
  resolveConfig,
  type ArchitecturePlan,
  type CondenseNetConfig,
  type CondenseNetConfigInput,
  type DenseLayerPlan,
  type TransitionPlan,
} from '@condensenet/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { AvgPool2D } from '../layers/avg-pool.js';
import { ChannelConcat } from '../layers/channel-concat.js';
import { TorchBatchNorm } from '../layers/batch-norm.js';
import { CondensedConv } from '../layers/condensed-conv.js';
import { GroupConv2D } from '../layers/group-conv2d.js';
import { LearnedGroupConv } from '../layers/learned-group-conv.js';
import { CondensingLinear, Linear } from '../layers/linear.js';
import { withInitSeed } from '../layers/seeded-init.js';

export type ModelForm = 'training' | 'condensed';

export interface BuildOptions {
  /** `training` (learned group convs with masks) or `condensed` (index + grouped conv). */
  form?: ModelForm;
  /** Condensed form only: the reference's condensing linear classifier (default true). */
  condensingLinear?: boolean;
  name?: string;
  /** Seeds weight initialisation, so two builds with one seed start from the same weights. */
  seed?: number;
}

/** What every model built here carries in its user-defined metadata (saved with it). */
export interface CondenseNetMetadata {
  form: ModelForm;
  condensingLinear: boolean;
  config: CondenseNetConfig;
}

const METADATA_KEY = 'condensenet';

/** Symbolic tensors of the functional API. */
type Symbolic = tfl.SymbolicTensor;

function apply(layer: tfl.layers.Layer, x: Symbolic | Symbolic[]): Symbolic {
  return layer.apply(x) as Symbolic;
}

/** One dense layer: 1x1 (learned or condensed) -> grouped 3x3, concatenated to its input. */
export function denseLayer(x: Symbolic, plan: DenseLayerPlan, form: ModelForm): Symbolic {
  const g = plan.learnedGroup;
  const conv1 =
    form === 'training'
      ? new LearnedGroupConv({
          name: `${plan.name}.conv_1`,
          filters: g.outChannels,
          groups: g.groups,
          condenseFactor: g.condenseFactor,
          dropout: plan.dropout,
        })
      : new CondensedConv({
          name: `${plan.name}.conv_1`,
          filters: g.outChannels,
          groups: g.groups,
          selected: plan.condensedInChannels,
        });
  const conv2 = new GroupConv2D({
    name: `${plan.name}.conv_2`,
    filters: plan.conv3x3.outChannels,
    kernelSize: 3,
    padding: 1,
    groups: plan.conv3x3.groups,
    preActivation: true,
  });
  const added = apply(conv2, apply(conv1, x));
  return apply(new ChannelConcat({ name: plan.name }), [x, added]);
}

/** 2x2 average pool, stride 2: the reference's transition (no conv, no compression). */
export function transition(x: Symbolic, plan: TransitionPlan): Symbolic {
  return apply(new AvgPool2D({ poolSize: 2, name: plan.name }), x);
}

function toConfig(config: CondenseNetConfig | CondenseNetConfigInput | string): CondenseNetConfig {
  return typeof config === 'string' ? presetConfig(config) : resolveConfig(config);
}

/**
 * CondenseNet as the reference builds it (NHWC), from a configuration, a partial one, or a preset
 * name. Layer names follow the reference's modules (`init_conv`, `denseblock_1.denselayer_1.conv_1`,
 * `transition_1`, `norm_last`, `classifier`), so checkpoints map by name.
 */
export function buildCondenseNet(
  config: CondenseNetConfig | CondenseNetConfigInput | string,
  options: BuildOptions = {},
): tfl.LayersModel {
  return withInitSeed(options.seed, () => buildModel(toConfig(config), options));
}

function buildModel(resolved: CondenseNetConfig, options: BuildOptions): tfl.LayersModel {
  const form = options.form ?? 'training';
  const condensingLinear = form === 'condensed' && (options.condensingLinear ?? true);
  const plan: ArchitecturePlan = buildPlan(resolved);
  const input = tfl.input({ shape: [plan.stem.inputSize, plan.stem.inputSize, plan.stem.inChannels], name: 'input' });
  let x = apply(
    new GroupConv2D({
      name: plan.stem.name,
      filters: plan.stem.outChannels,
      kernelSize: 3,
      strides: plan.stem.stride,
      padding: 1,
    }),
    input,
  );
  for (const block of plan.blocks) {
    for (const layer of block.layers) x = denseLayer(x, layer, form);
    if (block.transition) x = transition(x, block.transition);
  }
  x = apply(new TorchBatchNorm({ name: 'norm_last' }), x);
  x = apply(tfl.layers.reLU({ name: 'relu_last' }), x);
  const pool = plan.head.poolSize;
  x = apply(new AvgPool2D({ poolSize: pool, name: 'pool_last' }), x);
  x = apply(tfl.layers.flatten({ name: 'flatten' }), x);
  const classifier = condensingLinear
    ? new CondensingLinear({ name: 'classifier', units: plan.head.classes, selected: plan.head.condensedFeatures })
    : new Linear({ name: 'classifier', units: plan.head.classes });
  const output = apply(classifier, x);
  const model = tfl.model({ inputs: input, outputs: output, name: options.name ?? 'condensenet' });
  const metadata: CondenseNetMetadata = { form, condensingLinear, config: resolved };
  model.setUserDefinedMetadata({ [METADATA_KEY]: metadata } as unknown as Record<string, unknown>);
  return model;
}

/** The DenseNet-BC baseline: the same builder, ungrouped, no condensation (preset densenet-bc-100). */
export function buildDenseNetBC(overrides: Partial<CondenseNetConfigInput> = {}, options: BuildOptions = {}): tfl.LayersModel {
  return buildCondenseNet(presetConfig('densenet-bc-100', overrides), options);
}

/** The configuration and form a model was built with; throws for models not built here. */
export function condenseNetMetadata(model: tfl.LayersModel): CondenseNetMetadata {
  const meta = (model.getUserDefinedMetadata() as Record<string, unknown> | undefined)?.[METADATA_KEY] as
    | CondenseNetMetadata
    | undefined;
  if (!meta || typeof meta !== 'object' || !meta.config || (meta.form !== 'training' && meta.form !== 'condensed')) {
    throw new Error(`model "${model.name}" carries no CondenseNet metadata (build it with buildCondenseNet)`);
  }
  return { form: meta.form, condensingLinear: meta.condensingLinear === true, config: resolveConfig(meta.config) };
}

/** Every learned group conv of a model, in network order. */
export function learnedGroupConvs(model: tfl.LayersModel): LearnedGroupConv[] {
  return model.layers.filter((l): l is LearnedGroupConv => l instanceof LearnedGroupConv);
}

/**
 * Sets training progress on every learned group conv of this model only; the next forward
 * (training or inference) condenses them to the stage it calls for.
 */
export function setProgress(model: tfl.LayersModel, progress: number): void {
  if (typeof progress !== 'number' || !Number.isFinite(progress)) {
    throw new Error(`setProgress: progress = ${String(progress)} must be a finite number`);
  }
  for (const layer of learnedGroupConvs(model)) layer.progress = progress;
}
