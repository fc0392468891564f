import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { condenseNetMetadata, groupLassoLoss, learnedGroupConvs, setProgress } from '@condensenet/layers';
import type { CheckpointTensor } from '../checkpoint/checkpoint-file.js';
import type { TrainableModel } from '../training/trainable-model.js';

/**
 * A training-form CondenseNet from @condensenet/layers behind the training loop's interface.
 * Parameters are named by layer and weight (`denseblock_1.denselayer_1.conv_1/conv.weight`),
 * which stay the same from process to process, unlike tfjs's uniquified variable names.
 */
export function trainableFromLayersModel(model: tfl.LayersModel): TrainableModel {
  const meta = condenseNetMetadata(model);
  if (meta.form !== 'training') {
    throw new Error(`model "${model.name}" is in ${meta.form} form; only the training form can be trained`);
  }
  const stableName = (w: tfl.LayerVariable) => w.originalName;
  const layers = learnedGroupConvs(model);
  // setProgress prunes before each step, so the forward need not (and reads nothing back).
  for (const layer of layers) layer.autoAdvance = false;
  return {
    config: meta.config,
    parameters: model.trainableWeights.map((w) => ({ name: stableName(w), variable: w.read() as tf.Variable })),
    async setProgress(progress) {
      setProgress(model, progress);
      // Condense now rather than inside the next forward, so the stage is known before the step.
      let lowest = Infinity;
      for (const layer of layers) {
        await layer.advanceAsync(progress);
        lowest = Math.min(lowest, layer.currentStage());
      }
      return Number.isFinite(lowest) ? lowest : 0;
    },
    get condensations() {
      // Every prune raises a layer's stage, and stages are cached, so this reads nothing back.
      return layers.reduce((sum, layer) => sum + layer.currentStage(), 0);
    },
    forward(images, training) {
      return model.apply(images, { training }) as tf.Tensor2D;
    },
    groupLasso() {
      return groupLassoLoss(model);
    },
    async exportWeights(): Promise<CheckpointTensor[]> {
      const out: CheckpointTensor[] = [];
      for (const w of model.weights) {
        const values = await w.read().data();
        out.push({
          name: stableName(w),
          shape: w.shape.slice() as number[],
          dtype: w.dtype === 'int32' ? 'int32' : 'float32',
          values: values as Float32Array | Int32Array,
        });
      }
      return out;
    },
    importWeights(tensors) {
      const byName = new Map(tensors.map((t) => [t.name, t]));
      for (const w of model.weights) {
        const t = byName.get(stableName(w));
        if (!t) throw new Error(`checkpoint lacks weight '${stableName(w)}'`);
        if (t.shape.join(',') !== w.shape.join(',')) {
          throw new Error(`checkpoint weight '${t.name}' has shape [${t.shape}], the model [${w.shape}]`);
        }
        const value = tf.tensor(t.values, t.shape, t.dtype);
        w.write(value);
        value.dispose();
      }
    },
  };
}
