import type { LearnedGroupShape } from '../condensation/index.js';
import type { CondenseNetConfig } from '../config/index.js';

/** The 3x3 conv that opens the network. */
export interface StemPlan {
  name: 'init_conv';
  torchName: 'features.init_conv';
  inChannels: number;
  outChannels: number;
  kernelSize: 3;
  stride: number;
  padding: 1;
  inputSize: number;
  outputSize: number;
}

/** One dense layer: learned group 1x1 conv (L-Conv) then a grouped 3x3 conv, output concatenated. */
export interface DenseLayerPlan {
  /** Stable name used by our layers and artifacts, e.g. `denseblock_1.denselayer_1`. */
  name: string;
  /** Prefix of the reference's state_dict keys, e.g. `features.denseblock_1.denselayer_1`. */
  torchPrefix: string;
  /** 0-based block and layer position. */
  block: number;
  layer: number;
  /** Channels entering the layer (R of its learned group conv). */
  inChannels: number;
  /** Channels leaving it: inChannels + growth. */
  outChannels: number;
  /** Spatial side of its feature maps. */
  spatial: number;
  growth: number;
  bottleneckChannels: number;
  learnedGroup: LearnedGroupShape;
  /** Channels the condensed form gathers with its index: G * R / C. */
  condensedInChannels: number;
  dropout: number;
  conv3x3: { inChannels: number; outChannels: number; groups: number };
}

/** 2x2 average pool, stride 2, between blocks; no convolution, no compression. */
export interface TransitionPlan {
  name: string;
  torchName: string;
  channels: number;
  inputSize: number;
  outputSize: number;
}

export interface BlockPlan {
  index: number;
  name: string;
  inChannels: number;
  outChannels: number;
  spatial: number;
  growth: number;
  layers: DenseLayerPlan[];
  transition?: TransitionPlan;
}

/** BN -> ReLU -> average pool -> Linear, after the last block. */
export interface HeadPlan {
  features: number;
  spatial: number;
  poolSize: number;
  classes: number;
  /** Features the condensing linear keeps: floor(features * 0.5). */
  condensedFeatures: number;
}

/** Every layer of a configuration with its shapes, in training form and condensed form. */
export interface ArchitecturePlan {
  config: CondenseNetConfig;
  depth: number;
  stem: StemPlan;
  blocks: BlockPlan[];
  head: HeadPlan;
}
