import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { condenseNetMetadata } from '../models/condensenet.js';

interface LayerJSON {
  class_name?: unknown;
  name?: unknown;
  config?: unknown;
}

interface GraphJSON {
  layers?: unknown;
  input_layers?: unknown;
  output_layers?: unknown;
}

function topologyGraph(topology: unknown): GraphJSON & { layers: LayerJSON[] } {
  const t = topology as { model_config?: { config?: GraphJSON }; config?: GraphJSON } | null;
  const graph = t?.model_config?.config ?? t?.config;
  if (!Array.isArray(graph?.layers)) throw new Error('saved model: the topology has no layer list (config.layers)');
  return graph as GraphJSON & { layers: LayerJSON[] };
}

/** The layer names a node list refers to: `[[["name", nodeIndex, tensorIndex, kwargs?], ...], ...]` or, for a model's inputs and outputs, `[["name", 0, 0], ...]`. */
function referencedNames(nodes: unknown, depth: 1 | 2, where: string): string[] {
  const fail = (): never => {
    throw new Error(`saved model: ${where} = ${JSON.stringify(nodes)?.slice(0, 200)} must list [layer name, node index, tensor index] entries`);
  };
  if (!Array.isArray(nodes)) return fail();
  const entries = depth === 2 ? nodes.flatMap((node) => (Array.isArray(node) ? node : fail())) : nodes;
  return entries.map((entry) => (Array.isArray(entry) && typeof entry[0] === 'string' ? entry[0] : fail()));
}

/**
 * tfjs builds a graph by waiting for each node's inbound layers; a reference to a layer that
 * never comes (a renamed or missing one, or a cycle) leaves its promise pending forever, so every
 * reference must name a layer listed before it, as tfjs itself saves them.
 */
function checkConnections(graph: GraphJSON & { layers: LayerJSON[] }): void {
  const seen = new Set<string>();
  graph.layers.forEach((layer, i) => {
    if (typeof layer.name !== 'string') throw new Error(`saved layer #${i}: field "name" = ${JSON.stringify(layer.name)} must be a layer name`);
    if (seen.has(layer.name)) throw new Error(`saved layer "${layer.name}": the name is used by an earlier layer too`);
    const inbound = (layer as { inbound_nodes?: unknown }).inbound_nodes ?? [];
    for (const name of referencedNames(inbound, 2, `layer "${layer.name}" inbound_nodes`)) {
      if (!seen.has(name)) throw new Error(`saved layer "${layer.name}": its input "${name}" is not a layer listed before it`);
    }
    seen.add(layer.name);
  });
  for (const key of ['input_layers', 'output_layers'] as const) {
    for (const name of referencedNames(graph[key], 1, key)) {
      if (!seen.has(name)) throw new Error(`saved model: ${key} names "${name}", which is not a layer of the model`);
    }
  }
}

/**
 * Checks every layer entry of a saved topology before tfjs sees it: tfjs's own errors for an
 * unregistered class or a broken entry name neither the layer nor the field.
 */
export function validateTopology(topology: unknown): void {
  const registered = tf.serialization.SerializationMap.getMap().classNameMap;
  const graph = topologyGraph(topology);
  graph.layers.forEach((layer, i) => {
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
  checkConnections(graph);
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
  validateWeights(artifacts);
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    // What is left for tfjs to find is a topology and weights that disagree; say it is the file.
    throw new Error(`saved model: tfjs cannot build it from the file: ${(e as Error).message}`, { cause: e });
  }
  try {
    condenseNetMetadata(model);
  } catch (e) {
    model.dispose();
    throw new Error(`saved model: ${(e as Error).message}`, { cause: e });
  }
  return model;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * The weight manifest against the weight bytes, before tfjs slices them: tfjs reads a spec it
 * cannot use with a TypeError or RangeError naming no weight, or quietly short.
 */
function validateWeights(artifacts: tf.io.ModelArtifacts): void {
  const specs: unknown = artifacts.weightSpecs ?? [];
  if (!Array.isArray(specs)) throw new Error('saved model: weightsManifest weights must be a list of weight entries');
  const names = new Set<string>();
  let bytes = 0;
  specs.forEach((spec: { name?: unknown; shape?: unknown; dtype?: unknown } | null, i) => {
    if (typeof spec !== 'object' || spec === null || typeof spec.name !== 'string') throw new Error(`saved model: weight #${i} has no name`);
    const what = `saved model: weight "${spec.name}"`;
    if (names.has(spec.name)) throw new Error(`${what} is listed twice`);
    names.add(spec.name);
    if (!Array.isArray(spec.shape) || !spec.shape.every(isCount)) {
      throw new Error(`${what}: shape = ${JSON.stringify(spec.shape)}, expected a list of non-negative integers`);
    }
    if (spec.dtype !== 'float32' && spec.dtype !== 'int32') throw new Error(`${what}: dtype = ${JSON.stringify(spec.dtype)}, expected "float32" or "int32"`);
    bytes += 4 * spec.shape.reduce((a: number, b: number) => a * b, 1);
  });
  const data = artifacts.weightData === undefined ? 0 : tf.io.CompositeArrayBuffer.join(artifacts.weightData).byteLength;
  if (bytes !== data) throw new Error(`saved model: the weight manifest describes ${bytes} bytes, the weight data has ${data}`);
}
