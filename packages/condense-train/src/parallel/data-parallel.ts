import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../backend/select-backend.js';
import type { CheckpointTensor } from '../checkpoint/checkpoint-file.js';
import { flatten, type Sgd } from '../optim/sgd.js';
import type { Predictor } from '../training/evaluate.js';
import type { StepResult } from '../training/train-step.js';
import type { TrainableModel } from '../training/trainable-model.js';
import type { FromReplica, Sync, ToReplica } from './protocol.js';
import { shardGradients } from './shard-gradients.js';

export interface DataParallelOptions {
  /** Shards per batch: the main thread plus `workers - 1` worker threads (>= 2). */
  workers: number;
  /** The backend the replicas use: the main thread's, so every shard computes alike. */
  backend: BackendName;
  /** The worker script; the package's built replica worker unless a test substitutes one. */
  entry?: URL;
}

/** A batch as the data layer hands it out: NHWC floats and integer labels. */
export interface ShardableBatch {
  images: Float32Array;
  labels: Int32Array;
  shape: readonly [number, number, number, number];
}

/**
 * Synchronous data parallelism as PyTorch's nn.DataParallel: each batch is cut into contiguous
 * shards (torch.chunk's sizes); shard 0 runs on the main model in this thread, the others on
 * replicas in worker threads, all in training mode with their own BatchNorm batch statistics
 * (running statistics are the main model's, as DataParallel keeps replica 0's). Gradients add up
 * to the gradient of the whole batch's mean loss, the group lasso counted once; the main thread
 * takes the SGD step and the replicas receive the new parameters with their next shard, and
 * every weight after condensation changed masks.
 */
export class DataParallel {
  /** The parameters as the last step read them back, and the data they were read from. */
  private readBack?: { dataIds: object[]; values: Float32Array };

  private constructor(
    private readonly model: TrainableModel,
    private readonly replicas: Replica[],
  ) {}

  static async start(model: TrainableModel, options: DataParallelOptions): Promise<DataParallel> {
    if (!Number.isInteger(options.workers) || options.workers < 2) {
      throw new Error(`data parallelism needs an integer number of workers >= 2, got ${options.workers}`);
    }
    const entry = options.entry ?? replicaWorkerUrl();
    const replicas = Array.from({ length: options.workers - 1 }, (_, i) => new Replica(i + 1, entry));
    const engine = new DataParallel(model, replicas);
    try {
      const state = await model.exportWeights();
      const parameters = model.parameters.map((p) => ({ name: p.name, shape: p.variable.shape.slice() }));
      const init: ToReplica = { type: 'init', backend: options.backend, config: model.config, parameters, state };
      await Promise.all(replicas.map((r) => r.request(init, [], 'ready')));
      for (const r of replicas) r.condensations = model.condensations;
    } catch (e) {
      await engine.dispose();
      throw e;
    }
    return engine;
  }

  /** One SGD step on the whole batch; the caller has already set the progress on the main model. */
  async step(sgd: Sgd, batch: ShardableBatch, learningRate: number, groupLassoLambda: number): Promise<StepResult> {
    const [n, h, w, c] = batch.shape;
    const pixels = h * w * c;
    const sizes = shardSizes(n, this.replicas.length + 1);
    const active = this.replicas.slice(0, sizes.length - 1);
    const syncs = await this.syncs(active);
    const pending = replicaShards(batch, sizes).map(({ start, size, images }, k) => {
      const labels = batch.labels.slice(start, start + size);
      const message: ToReplica = { type: 'step', sync: syncs[k], images, shape: [size, h, w, c], labels, weight: size / n };
      return active[k].request(message, [syncs[k].parameters.buffer, images.buffer, labels.buffer], 'step');
    });

    let own: ReturnType<typeof shardGradients>;
    try {
      own = tf.tidy(() => {
        const images = tf.tensor4d(batch.images.subarray(0, sizes[0] * pixels), [sizes[0], h, w, c]);
        const labels = tf.tensor1d(batch.labels.subarray(0, sizes[0]), 'int32');
        return shardGradients(this.model, images, labels, sizes[0] / n, groupLassoLambda);
      });
    } catch (e) {
      await Promise.allSettled(pending);
      throw e;
    }
    try {
      const replies = await Promise.all(pending);
      const parameters = this.model.parameters;
      let values: Float32Array | undefined;
      tf.tidy(() => {
        // The shards' gradients summed in shard order, laid end to end as the replicas send them.
        let gradient = flatten(parameters.map(({ variable }) => own.grads[variable.name]));
        for (const r of replies) gradient = tf.add(gradient, tf.tensor1d(r.grads));
        values = sgd.stepFlat(parameters, gradient, learningRate);
      });
      this.readBack = values && { dataIds: parameters.map(({ variable }) => variable.dataId), values };
      const [, ownCrossEntropy, lasso, ownCorrect] = own.stats.dataSync();
      let crossEntropy = ownCrossEntropy * (sizes[0] / n);
      let correct = ownCorrect;
      replies.forEach((r, k) => {
        crossEntropy += r.crossEntropy * (sizes[k + 1] / n);
        correct += r.correct;
      });
      return { loss: crossEntropy + groupLassoLambda * lasso, crossEntropy, lasso, correct };
    } finally {
      tf.dispose(own);
    }
  }

  /**
   * Inference for evaluation, each batch split across this thread and the replicas as a training
   * batch is, every shard in inference mode with the main model's weights (its BatchNorm running
   * statistics among them, which training steps do not send). Valid until the next `step`.
   */
  async predictor(): Promise<Predictor> {
    const state = await this.model.exportWeights();
    await Promise.all(this.replicas.map((r) => r.request({ type: 'load', state }, [], 'ready')));
    for (const r of this.replicas) r.condensations = this.model.condensations;
    return async (batch) => {
      const [n, h, w, c] = batch.shape;
      const pixels = h * w * c;
      const sizes = shardSizes(n, this.replicas.length + 1);
      const pending = replicaShards(batch, sizes).map(({ size, images }, k) =>
        this.replicas[k].request({ type: 'predict', images, shape: [size, h, w, c] }, [images.buffer], 'logits'),
      );
      let own: Float32Array;
      try {
        const logits = tf.tidy(() => this.model.forward(tf.tensor4d(batch.images.subarray(0, sizes[0] * pixels), [sizes[0], h, w, c]), false));
        own = logits.dataSync() as Float32Array;
        logits.dispose();
      } catch (e) {
        await Promise.allSettled(pending);
        throw e;
      }
      const replies = await Promise.all(pending);
      const all = new Float32Array((own.length / sizes[0]) * n);
      all.set(own);
      let offset = own.length;
      for (const r of replies) {
        all.set(r.logits, offset);
        offset += r.logits.length;
      }
      return all;
    };
  }

  /** Every replica's weights after bringing it up to the main model, for checks. */
  async replicaWeights(): Promise<CheckpointTensor[][]> {
    const syncs = await this.syncs(this.replicas);
    const replies = await Promise.all(
      this.replicas.map((r, k) => r.request({ type: 'export', sync: syncs[k] }, [syncs[k].parameters.buffer], 'weights')),
    );
    return replies.map((r) => r.state);
  }

  /** Ends every worker thread; safe to call more than once. */
  async dispose(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.terminate()));
  }

  /** One Sync per replica: its own copy of the parameters (they are transferred), the weights where condensation moved on. */
  private async syncs(replicas: Replica[]): Promise<Sync[]> {
    const condensations = this.model.condensations;
    const state = replicas.some((r) => r.condensations !== condensations) ? await this.model.exportWeights() : undefined;
    const parameters = this.model.parameters;
    const packed = new Float32Array(parameters.reduce((sum, p) => sum + p.variable.size, 0));
    const read = this.readBack;
    // Every write gives a variable new data, so the optimiser step's read-back is current while
    // each variable still holds the data it was read from.
    if (read && read.values.length === packed.length && parameters.every(({ variable }, i) => variable.dataId === read.dataIds[i])) {
      packed.set(read.values);
    } else {
      let offset = 0;
      for (const { variable } of parameters) {
        packed.set(variable.dataSync() as Float32Array, offset);
        offset += variable.size;
      }
    }
    return replicas.map((r, k) => {
      const sync: Sync = { parameters: k === 0 ? packed : packed.slice() };
      if (r.condensations !== condensations) {
        sync.state = state;
        r.condensations = condensations;
      }
      return sync;
    });
  }
}

/** torch.chunk's split of n examples into at most `parts` contiguous shards (fewer when n is small). */
export function shardSizes(n: number, parts: number): number[] {
  const chunk = Math.ceil(n / parts);
  const sizes: number[] = [];
  for (let left = n; left > 0; left -= chunk) sizes.push(Math.min(chunk, left));
  return sizes;
}

/**
 * Shards 1.. of a batch cut by `sizes` (shard 0 stays in this thread), each shard's images copied
 * out so that they can be transferred to its replica: where it starts in the batch, its size.
 */
function replicaShards(batch: Pick<ShardableBatch, 'images' | 'shape'>, sizes: number[]) {
  const [, h, w, c] = batch.shape;
  const pixels = h * w * c;
  let start = sizes[0];
  return sizes.slice(1).map((size) => {
    const shard = { start, size, images: batch.images.slice(start * pixels, (start + size) * pixels) };
    start += size;
    return shard;
  });
}

/**
 * The built worker beside this module. Under vitest this module is the TypeScript source, which
 * a worker thread cannot load, so the build's copy in dist/ is used then.
 */
export function replicaWorkerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('../../dist/parallel/replica-worker.js', import.meta.url)
    : new URL('./replica-worker.js', import.meta.url);
}

type Reply<T extends FromReplica['type']> = Extract<FromReplica, { type: T }>;

/** One worker thread and its single outstanding request; any failure rejects that request. */
class Replica {
  /** The main model's `condensations` when this replica last received every weight. */
  condensations = -1;
  private readonly worker: Worker;
  private pending?: { resolve: (reply: FromReplica) => void; reject: (error: Error) => void };
  private failure?: Error;
  private terminated = false;

  constructor(
    readonly index: number,
    entry: URL,
  ) {
    this.worker = new Worker(entry);
    this.worker.on('message', (reply: FromReplica) => {
      const pending = this.pending;
      this.pending = undefined;
      if (reply.type === 'error') pending?.reject(new Error(`data-parallel worker ${index}: ${reply.message}`));
      else pending?.resolve(reply);
    });
    this.worker.on('error', (e) => this.fail(new Error(`data-parallel worker ${index} failed: ${e.message}`)));
    this.worker.on('messageerror', (e) => this.fail(new Error(`data-parallel worker ${index}: unreadable message: ${e.message}`)));
    this.worker.on('exit', (code) => {
      if (!this.terminated) this.fail(new Error(`data-parallel worker ${index} exited unexpectedly (code ${code})`));
    });
  }

  request<T extends FromReplica['type']>(message: ToReplica, transfer: ArrayBuffer[], expected: T): Promise<Reply<T>> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.terminated) return Promise.reject(new Error(`data-parallel worker ${this.index} was terminated`));
    if (this.pending) return Promise.reject(new Error(`data-parallel worker ${this.index} is busy`));
    return new Promise<FromReplica>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message, transfer);
    }).then((reply) => {
      if (reply.type !== expected) throw new Error(`data-parallel worker ${this.index}: '${reply.type}' in reply to '${message.type}'`);
      return reply as Reply<T>;
    });
  }

  async terminate(): Promise<void> {
    if (this.terminated) return;
    this.terminated = true;
    this.pending?.reject(new Error(`data-parallel worker ${this.index} was terminated`));
    this.pending = undefined;
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.pending?.reject(error);
    this.pending = undefined;
  }
}
