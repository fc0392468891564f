import type { CondenseNetConfig } from '@condensenet/core';
import type { BackendName } from '../backend/select-backend.js';
import type { CheckpointTensor } from '../checkpoint/checkpoint-file.js';

/**
 * What brings a replica up to the main model: every parameter, concatenated in the order of the
 * main model's `parameters`, and, after condensation changed them, every weight (masks, stages
 * and counts among them).
 */
export interface Sync {
  parameters: Float32Array<ArrayBuffer>;
  state?: CheckpointTensor[];
}

export type ToReplica =
  | {
      type: 'init';
      backend: BackendName;
      config: CondenseNetConfig;
      /** Names and shapes of the main model's parameters, in the order `Sync.parameters` packs them. */
      parameters: Array<{ name: string; shape: number[] }>;
      state: CheckpointTensor[];
    }
  | {
      type: 'step';
      sync: Sync;
      images: Float32Array;
      shape: [number, number, number, number];
      labels: Int32Array;
      /** The shard's share of the batch. */
      weight: number;
    }
  | { type: 'export'; sync: Sync }
  /** Every weight of the main model, running statistics included, before inference requests. */
  | { type: 'load'; state: CheckpointTensor[] }
  | { type: 'predict'; images: Float32Array; shape: [number, number, number, number] };

export type FromReplica =
  | { type: 'ready' }
  | {
      type: 'step';
      /** weight * d(mean CE)/d(parameter), packed as `Sync.parameters`. */
      grads: Float32Array<ArrayBuffer>;
      crossEntropy: number;
      correct: number;
    }
  | { type: 'weights'; state: CheckpointTensor[] }
  /** Inference-mode logits of a 'predict' request, row-major [images, classes]. */
  | { type: 'logits'; logits: Float32Array<ArrayBuffer> }
  | { type: 'error'; message: string };
