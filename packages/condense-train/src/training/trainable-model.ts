import type * as tf from '@tensorflow/tfjs-core';
import type { CondenseNetConfig } from '@condensenet/core';
import type { CheckpointTensor } from '../checkpoint/checkpoint-file.js';
import type { NamedParameter } from '../optim/sgd.js';

/**
 * What the training loop needs from a network, whatever builds it. Progress is handed to the
 * model explicitly every iteration (never through a global shared by all models).
 */
export interface TrainableModel {
  readonly config: CondenseNetConfig;
  /**
   * Parameters the optimiser updates (weight decay applies to all of them), with names stable
   * across processes so a resumed run finds its momentum buffers.
   */
  readonly parameters: readonly NamedParameter[];
  /**
   * Advances condensation to the stage `progress` calls for (one pruning step per call at most,
   * as the reference does) and returns the lowest stage over all learned group convs.
   */
  setProgress(progress: number): Promise<number>;
  /**
   * Pruning steps taken so far: it changes exactly when condensation has rewritten masks or
   * condensing state, which is when data-parallel replicas must copy them.
   */
  readonly condensations: number;
  /** Logits [N, classes]; `training` uses batch statistics, updates BN running stats and dropout. */
  forward(images: tf.Tensor4D, training: boolean): tf.Tensor2D;
  /** Sum of every learned group conv's group-lasso term (0 once switched off). */
  groupLasso(): tf.Scalar;
  /** Every weight, masks and condensing state included, for checkpoints. */
  exportWeights(): Promise<CheckpointTensor[]>;
  importWeights(tensors: CheckpointTensor[]): void;
}
