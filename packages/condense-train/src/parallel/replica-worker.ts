import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { buildCondenseNet } from '@condensenet/layers';
import { selectBackend } from '../backend/select-backend.js';
import { trainableFromLayersModel } from '../model/layers-model.js';
import type { NamedParameter } from '../optim/sgd.js';
import type { TrainableModel } from '../training/trainable-model.js';
import type { FromReplica, Sync, ToReplica } from './protocol.js';
import { shardGradients } from './shard-gradients.js';

/**
 * A data-parallel replica in a worker thread: a CondenseNet built from the main model's
 * configuration, overwritten with its weights, that computes one shard's gradients per request.
 * It never condenses by itself (its progress stays 0); masks come from the main model.
 */
const port = parentPort;
if (!port) throw new Error('replica-worker.js runs in a worker thread (see parallel/data-parallel.ts)');

let model: TrainableModel | undefined;
/** The replica's parameters in the main model's order, the order of every packed array. */
let parameters: NamedParameter[] = [];

port.on('message', (message: ToReplica) => {
  handle(message).then(
    ([reply, transfer]) => port.postMessage(reply, transfer),
    (e: unknown) => port.postMessage({ type: 'error', message: (e as Error).message ?? String(e) } satisfies FromReplica),
  );
});

async function handle(message: ToReplica): Promise<[FromReplica, ArrayBuffer[]]> {
  if (message.type === 'init') {
    await selectBackend(message.backend);
    model = trainableFromLayersModel(buildCondenseNet(message.config));
    const own = new Map(model.parameters.map((p) => [p.name, p]));
    if (own.size !== message.parameters.length) {
      throw new Error(`the replica has ${own.size} parameters, the main model ${message.parameters.length}`);
    }
    parameters = message.parameters.map(({ name, shape }) => {
      const p = own.get(name);
      if (!p) throw new Error(`the replica has no parameter '${name}'`);
      if (p.variable.shape.join(',') !== shape.join(',')) {
        throw new Error(`parameter '${name}' has shape [${p.variable.shape}] in the replica, [${shape}] in the main model`);
      }
      return p;
    });
    model.importWeights(message.state);
    return [{ type: 'ready' }, []];
  }
  const replica = model;
  if (!replica) throw new Error(`'${message.type}' before 'init'`);
  if (message.type === 'load') {
    replica.importWeights(message.state);
    return [{ type: 'ready' }, []];
  }
  if (message.type === 'predict') {
    const logits = tf.tidy(() => replica.forward(tf.tensor4d(message.images, message.shape), false));
    // A copy: the cpu backend's dataSync hands out its own storage, which must not be transferred.
    const values = new Float32Array(logits.dataSync());
    logits.dispose();
    return [{ type: 'logits', logits: values }, [values.buffer]];
  }
  apply(replica, message.sync);
  if (message.type === 'export') return [{ type: 'weights', state: await replica.exportWeights() }, []];

  const images = tf.tensor4d(message.images, message.shape);
  const labels = tf.tensor1d(message.labels, 'int32');
  const { grads, stats } = shardGradients(replica, images, labels, message.weight, 0);
  tf.dispose([images, labels]);
  const packed = new Float32Array(message.sync.parameters.length);
  let offset = 0;
  for (const { variable } of parameters) {
    packed.set(grads[variable.name].dataSync() as Float32Array, offset);
    offset += variable.size;
  }
  const [, crossEntropy, , correct] = stats.dataSync();
  tf.dispose([grads, stats]);
  return [{ type: 'step', grads: packed, crossEntropy, correct }, [packed.buffer]];
}

function apply(replica: TrainableModel, sync: Sync): void {
  if (sync.state) replica.importWeights(sync.state);
  let offset = 0;
  for (const { variable } of parameters) {
    const value = tf.tensor(sync.parameters.subarray(offset, offset + variable.size), variable.shape);
    variable.assign(value);
    value.dispose();
    offset += variable.size;
  }
}
