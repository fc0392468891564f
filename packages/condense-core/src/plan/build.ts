import { depthOf, resolveConfig, stemOutputSize } from '../config/index.js';
import type { CondenseNetConfig, CondenseNetConfigInput } from '../config/index.js';
import type { ArchitecturePlan, BlockPlan, DenseLayerPlan, HeadPlan, StemPlan } from './types.js';

/** The fraction of classifier inputs the reference's condensing linear keeps. */
export const CONDENSING_LINEAR_KEEP = 0.5;

/**
 * Walks the configuration the way the reference's constructor does (stem, blocks, pools between
 * them, head) and records every layer's channels and spatial size. The config is validated
 * first, so every shape in the plan satisfies the spec's divisibility rules.
 */
export function buildPlan(input: CondenseNetConfig | CondenseNetConfigInput): ArchitecturePlan {
  const config = resolveConfig(input);
  const stemOut = stemOutputSize(config.inputSize, config.stemStride);
  const stem: StemPlan = {
    name: 'init_conv',
    torchName: 'features.init_conv',
    inChannels: config.inputChannels,
    outChannels: 2 * config.growth[0],
    kernelSize: 3,
    stride: config.stemStride,
    padding: 1,
    inputSize: config.inputSize,
    outputSize: stemOut,
  };

  const blocks: BlockPlan[] = [];
  let features = stem.outChannels;
  let spatial = stemOut;
  config.stages.forEach((count, i) => {
    const growth = config.growth[i];
    const blockName = `denseblock_${i + 1}`;
    const layers: DenseLayerPlan[] = [];
    for (let j = 0; j < count; j++) {
      const inChannels = features + j * growth;
      const bottleneckChannels = config.bottleneck * growth;
      const name = `${blockName}.denselayer_${j + 1}`;
      layers.push({
        name,
        torchPrefix: `features.${name}`,
        block: i,
        layer: j,
        inChannels,
        outChannels: inChannels + growth,
        spatial,
        growth,
        bottleneckChannels,
        learnedGroup: {
          inChannels,
          outChannels: bottleneckChannels,
          groups: config.group1x1,
          condenseFactor: config.condenseFactor,
        },
        condensedInChannels: (inChannels * config.group1x1) / config.condenseFactor,
        dropout: config.dropout,
        conv3x3: { inChannels: bottleneckChannels, outChannels: growth, groups: config.group3x3 },
      });
    }
    const outChannels = features + count * growth;
    const block: BlockPlan = {
      index: i,
      name: blockName,
      inChannels: features,
      outChannels,
      spatial,
      growth,
      layers,
    };
    if (i < config.stages.length - 1) {
      block.transition = {
        name: `transition_${i + 1}`,
        torchName: `features.transition_${i + 1}`,
        channels: outChannels,
        inputSize: spatial,
        outputSize: Math.floor(spatial / 2),
      };
      spatial = block.transition.outputSize;
    }
    blocks.push(block);
    features = outChannels;
  });

  const head: HeadPlan = {
    features,
    spatial,
    poolSize: config.poolSize,
    classes: config.numClasses,
    condensedFeatures: Math.floor(features * CONDENSING_LINEAR_KEEP),
  };
  return { config, depth: depthOf(config), stem, blocks, head };
}

/** All dense layers in network order. */
export function denseLayers(plan: ArchitecturePlan): DenseLayerPlan[] {
  return plan.blocks.flatMap((b) => b.layers);
}
