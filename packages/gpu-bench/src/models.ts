import { type CondenseNetConfig, geometryForInput, presetConfig, resolveConfig } from '@condensenet/core';
import { BN_EPSILON, buildCondenseNet, condense, condenseNetMetadata, exportReferenceStateDict, learnedGroupConvs } from '@condensenet/layers';
import { type CondensedModel, condensedModelFromStateDict } from '@condensenet/runtime';
import * as tf from '@tensorflow/tfjs-core';

/** The models a run measures; `smoke` ones are small enough for a software adapter. */
export const MODELS: Record<string, () => CondenseNetConfig> = {
  'condensenet-86': () => presetConfig('condensenet-86'),
  'condensenet-74-c4': () => presetConfig('condensenet-74-c4'),
  // The quick start's model: Fashion-MNIST 28x28x1, stages 2-2-2, growth 16-32-64, stride-2 stem.
  quick: () => resolveConfig({ stages: [2, 2, 2], growth: [16, 32, 64], ...geometryForInput(28, 3, 2), inputSize: 28, inputChannels: 1, numClasses: 10 }),
  smoke: () => resolveConfig({ stages: [2, 2], growth: [8, 8], inputSize: 16, poolSize: 8, numClasses: 4 }),
};

export function modelConfig(name: string): CondenseNetConfig {
  const make = MODELS[name];
  if (!make) throw new Error(`unknown model ${JSON.stringify(name)}; one of ${Object.keys(MODELS).join(', ')}`);
  return make();
}

/**
 * A condensed artifact of `config` with seeded random weights, made the way a trained model is:
 * the training form advanced through every condensing stage, condensed, exported, read back.
 * Built on the cpu backend, so nothing of it stays on the GPU.
 */
export async function randomArtifact(config: CondenseNetConfig, seed = 1): Promise<CondensedModel> {
  const previous = tf.getBackend();
  await tf.setBackend('cpu');
  const training = buildCondenseNet(config, { seed });
  for (const layer of learnedGroupConvs(training)) {
    // The progress at which stage s starts, for s = 1 .. C - 1 (the reference's schedule).
    for (let s = 1; s < layer.condenseFactor; s++) layer.advance(s / (2 * (layer.condenseFactor - 1)));
  }
  const condensed = condense(training);
  const artifact = condensedModelFromStateDict(exportReferenceStateDict(condensed), {
    config: condenseNetMetadata(training).config,
    normalization: { mean: Array(config.inputChannels).fill(0), std: Array(config.inputChannels).fill(1) },
    classes: Array.from({ length: config.numClasses }, (_, i) => String(i)),
    batchNormEpsilon: BN_EPSILON,
  });
  training.dispose();
  condensed.dispose();
  if (previous) await tf.setBackend(previous);
  return artifact;
}
