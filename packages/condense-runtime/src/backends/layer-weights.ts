import { buildPlan, type ArchitecturePlan, type BatchNormParams, type DenseLayerPlan } from '@condensenet/core';
import type { CondensedModel } from '../artifact/types.js';

/** One converted learned group conv, as the artifact stores it (spec section 3). */
export interface CondensedConv1x1Params {
  /** Gathered input channels, G*K entries (slot g*K + t feeds group g). */
  index: Int32Array;
  /** BatchNorm over the gathered slots. */
  norm: BatchNormParams;
  /** Grouped 1x1 weight [O, K], groups contiguous (the conv before the channel shuffle). */
  weight: Float32Array;
  groups: number;
  epsilon: number;
  /** The BatchNorm + ReLU that follows the layer (the 3x3 conv's), folded into weights and bias. */
  after?: BatchNormParams;
}

/** One dense layer's condensed tensors, by role. */
export interface DenseLayerWeights {
  plan: DenseLayerPlan;
  /** conv_1: gather index, BatchNorm over the gathered slots, grouped 1x1 weight [O, K]. */
  index: Int32Array;
  norm1: BatchNormParams;
  weight1: Float32Array;
  /** conv_2: BatchNorm over the bottleneck, grouped 3x3 weight OIHW [growth, b*growth/groups, 3, 3]. */
  norm2: BatchNormParams;
  weight2: Float32Array;
}

/** A dense layer's conv_1 as every backend's packer takes it, with the 3x3's BatchNorm + ReLU to fold in after it. */
export function conv1x1Params(layer: DenseLayerWeights, epsilon: number): CondensedConv1x1Params {
  return { index: layer.index, norm: layer.norm1, weight: layer.weight1, groups: layer.plan.learnedGroup.groups, epsilon, after: layer.norm2 };
}

export interface ModelWeights {
  plan: ArchitecturePlan;
  /** OIHW [2*growth0, inputChannels, 3, 3]. */
  stem: Float32Array;
  blocks: DenseLayerWeights[][];
  normLast: BatchNormParams;
  classifierIndex: Int32Array;
  /** [classes, condensedFeatures]. */
  classifierWeight: Float32Array;
  classifierBias: Float32Array;
}

/**
 * The model's tensors by the reference state_dict keys that core's referenceParameters lists
 * (decodeArtifact has already checked that every one is present with the plan's shape).
 */
export function layerWeights(model: CondensedModel): ModelWeights {
  const plan = buildPlan(model.config);
  const get = <T extends Float32Array | Int32Array>(name: string): T => {
    const t = model.tensors.get(name);
    if (!t) throw new Error(`condensed model: missing tensor ${name}`);
    return t as T;
  };
  const norm = (prefix: string): BatchNormParams => ({
    gamma: get(`${prefix}.weight`),
    beta: get(`${prefix}.bias`),
    runningMean: get(`${prefix}.running_mean`),
    runningVar: get(`${prefix}.running_var`),
  });
  return {
    plan,
    stem: get(`${plan.stem.torchName}.weight`),
    blocks: plan.blocks.map((block) =>
      block.layers.map((l) => ({
        plan: l,
        index: get(`${l.torchPrefix}.conv_1.index`),
        norm1: norm(`${l.torchPrefix}.conv_1.norm`),
        weight1: get(`${l.torchPrefix}.conv_1.conv.weight`),
        norm2: norm(`${l.torchPrefix}.conv_2.norm`),
        weight2: get(`${l.torchPrefix}.conv_2.conv.weight`),
      })),
    ),
    normLast: norm('features.norm_last'),
    classifierIndex: get('classifier.index'),
    classifierWeight: get('classifier.linear.weight'),
    classifierBias: get('classifier.linear.bias'),
  };
}
