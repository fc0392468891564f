import { BN_EPSILON, condenseNetMetadata, exportReferenceStateDict } from '@condensenet/layers';
import { condensedModelFromStateDict, type CondensedModel } from '@condensenet/runtime';
import { saveArtifactToDirectory } from '@condensenet/runtime/node';
import { datasetOf } from './dataset-metadata.js';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * The runtime model of a condensed layers model. Normalisation and class names come from the
 * dataset `condense train` attaches; a model without one (a freshly built preset) gets identity
 * normalisation and class indices as names.
 */
export function runtimeModelOf(model: tfl.LayersModel): CondensedModel {
  const meta = condenseNetMetadata(model);
  if (meta.form !== 'condensed') throw new Error('the runtime runs condensed models: condense the training form first');
  if (!meta.condensingLinear) throw new Error('the runtime artifact needs the condensing linear classifier (convert without --no-condensing-linear)');
  const dataset = datasetOf(model);
  const channels = meta.config.inputChannels;
  return condensedModelFromStateDict(exportReferenceStateDict(model), {
    config: meta.config,
    normalization: dataset ?? { mean: Array(channels).fill(0), std: Array(channels).fill(1) },
    classes: dataset?.classNames ?? Array.from({ length: meta.config.numClasses }, (_, i) => String(i)),
    batchNormEpsilon: BN_EPSILON,
  });
}

/** Writes the runtime artifact of a condensed layers model into `dir`; returns its manifest path. */
export async function writeRuntimeArtifact(model: tfl.LayersModel, dir: string): Promise<string> {
  return saveArtifactToDirectory(dir, runtimeModelOf(model));
}
