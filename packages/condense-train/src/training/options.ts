import type { Augmentation } from '../data/augment.js';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  /** Initial learning rate of the cosine schedule. */
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  /** Weight of the group-lasso term in the loss (0 = off). */
  groupLassoLambda: number;
  seed: number;
  augmentation?: Augmentation;
  evalBatchSize: number;
  /** Directory for checkpoints, the JSON-lines log and the learning curve. */
  outDir: string;
  /** Continue from `outDir/last.ckpt`. */
  resume: boolean;
  /**
   * Data-parallel shards per batch (default 1: everything in this thread). N > 1 splits every
   * batch across this thread and N - 1 worker threads, as PyTorch's nn.DataParallel does; the
   * model must be a CondenseNet built from its `config` (what `runTraining` trains).
   */
  workers?: number;
  /** Stop (with a checkpoint) after this many iterations in this call; for tests and time boxes. */
  maxIterations?: number;
}

/** The reference's CIFAR recipe (spec section 5), batch 64, no group lasso. */
export const REFERENCE_TRAIN_OPTIONS: Omit<TrainOptions, 'outDir'> = {
  epochs: 300,
  batchSize: 64,
  lr: 0.1,
  momentum: 0.9,
  nesterov: true,
  weightDecay: 1e-4,
  groupLassoLambda: 0,
  seed: 0,
  evalBatchSize: 256,
  resume: false,
};
