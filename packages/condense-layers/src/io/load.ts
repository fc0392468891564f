import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { condenseNetMetadata } from '../models/condensenet.js';

interface LayerJSON {
  class_name?: unknown;
  name?: unknown;
  config?: unknown;
}

function topologyLayers(topology: unknown): LayerJSON[] {
  const t = topology as { model_config?: { config?: { layers?: unknown } }; config?: { layers?: unknown } } | null;
  const layers = t?.model_config?.config?.layers ?? t?.config?.layers;
  if (!Array.isArray(layers)) throw new Error('model topology has no layer list (config.layers)');
  return layers as LayerJSON[];
}

/**
 * Checks every layer entry of a saved topology before tfjs sees it: tfjs's own errors for an
 * unregistered class or a broken entry name neither the layer nor the field.
 */
export function validateTopology(topology: unknown): void {
  const registered = tf.serialization.SerializationMap.getMap().classNameMap;
  topologyLayers(topology).forEach((layer, i) => {
    const config = layer.config as { name?: unknown } | undefined;
    const name = typeof layer.name === 'string' ? layer.name : typeof config?.name === 'string' ? config.name : `#${i}`;
    if (typeof layer.class_name !== 'string') {
      throw new Error(`saved layer "${name}": field "class_name" = ${JSON.stringify(layer.class_name)} must be a class name`);
    }
    if (config === null || typeof config !== 'object') {
      throw new Error(`saved layer "${name}" (${layer.class_name}): field "config" = ${JSON.stringify(layer.config)} must be an object`);
    }
    if (!(layer.class_name in registered)) {
      throw new Error(
        `saved layer "${name}": class "${layer.class_name}" is not registered with tf.serialization (import the package that defines it before loading)`,
      );
    }
  });
}

/**
 * Saves a model's artifacts in memory (works in Node and the browser alike); feed them back with
 * `loadCondenseNet(artifacts)`.
 */
export async function saveToMemory(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error(`saving model "${model.name}" produced no artifacts`);
  return saved;
}

/**
 * Loads a CondenseNet saved by this package (either form) from an IO handler, a URL tfjs knows,
 * or in-memory artifacts. Custom layers are checked first, so a bad file fails with the layer
 * and the field named; the model must carry CondenseNet metadata.
 */
export async function loadCondenseNet(source: tf.io.IOHandler | tf.io.ModelArtifacts | string): Promise<tfl.LayersModel> {
  let handler: tf.io.IOHandler;
  if (typeof source === 'string') {
    const found = tf.io.getLoadHandlers(source);
    if (found.length === 0) throw new Error(`no tfjs load handler for "${source}"; in Node use fileHandler() from @condensenet/layers/node`);
    handler = found[0];
  } else if ('load' in source || 'save' in source) {
    handler = source as tf.io.IOHandler;
  } else {
    handler = tf.io.fromMemory(source as tf.io.ModelArtifacts);
  }
  if (!handler.load) throw new Error('loadCondenseNet: the IO handler cannot load');
  const artifacts = await handler.load();
  validateTopology(artifacts.modelTopology);
  const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  condenseNetMetadata(model);
  return model;
}
