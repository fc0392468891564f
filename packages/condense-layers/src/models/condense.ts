import { condenseLinear, convertLearnedGroupConv } from '@condensenet/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { CondenseLayer } from '../layers/base.js';
import { LearnedGroupConv } from '../layers/learned-group-conv.js';
import { buildCondenseNet, condenseNetMetadata } from './condensenet.js';
import { assignReferenceTensor, readReferenceTensor } from './reference-tensor.js';

export interface CondenseOptions {
  /** Replace the classifier by the reference's condensing linear (keeps half the features). */
  condensingLinear?: boolean;
  name?: string;
}

function floats(layer: CondenseLayer, name: string): Float32Array {
  return readReferenceTensor(layer, name).data as Float32Array;
}

/**
 * The reference's `convert_model`: every learned group conv becomes index -> BN -> grouped 1x1
 * -> shuffle (refusing layers that have not reached their last stage), the classifier becomes
 * a condensing linear unless turned off, everything else is copied. Returns a new model; the
 * training model is untouched.
 */
export function condense(model: tfl.LayersModel, options: CondenseOptions = {}): tfl.LayersModel {
  const meta = condenseNetMetadata(model);
  if (meta.form !== 'training') throw new Error(`condense: model "${model.name}" is already condensed`);
  const condensingLinear = options.condensingLinear ?? true;
  const out = buildCondenseNet(meta.config, {
    form: 'condensed',
    condensingLinear,
    name: options.name ?? `${model.name}_condensed`,
  });
  for (const source of model.layers) {
    if (!(source instanceof CondenseLayer)) continue;
    const target = out.getLayer(source.name) as CondenseLayer;
    if (source instanceof LearnedGroupConv) {
      const shape = source.groupShape;
      const converted = convertLearnedGroupConv(
        source.weightOI(),
        source.condensationState(),
        {
          gamma: floats(source, 'norm.weight'),
          beta: floats(source, 'norm.bias'),
          runningMean: floats(source, 'norm.running_mean'),
          runningVar: floats(source, 'norm.running_var'),
        },
        shape,
        `layer "${source.name}"`,
      );
      const selected = converted.index.length;
      const perGroup = selected / shape.groups;
      assignReferenceTensor(target, 'index', { shape: [selected], data: converted.index });
      assignReferenceTensor(target, 'norm.weight', { shape: [selected], data: converted.norm.gamma });
      assignReferenceTensor(target, 'norm.bias', { shape: [selected], data: converted.norm.beta });
      assignReferenceTensor(target, 'norm.running_mean', { shape: [selected], data: converted.norm.runningMean });
      assignReferenceTensor(target, 'norm.running_var', { shape: [selected], data: converted.norm.runningVar });
      assignReferenceTensor(target, 'conv.weight', { shape: [shape.outChannels, perGroup, 1, 1], data: converted.weight });
    } else if (source.name === 'classifier' && condensingLinear) {
      const w = readReferenceTensor(source, 'weight');
      const [classes, features] = w.shape;
      const c = condenseLinear(w.data as Float32Array, floats(source, 'bias'), classes, features);
      assignReferenceTensor(target, 'index', { shape: [c.inFeatures], data: c.index });
      assignReferenceTensor(target, 'linear.weight', { shape: [classes, c.inFeatures], data: c.weight });
      assignReferenceTensor(target, 'linear.bias', { shape: [classes], data: c.bias });
    } else {
      for (const name of source.referenceWeightNames()) {
        assignReferenceTensor(target, name, readReferenceTensor(source, name));
      }
    }
  }
  return out;
}
