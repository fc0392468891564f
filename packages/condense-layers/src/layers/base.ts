import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BN_RUNNING_STATS } from '../kernels/channel-kernels.js';
import { hasTrainingKernels, runTrainingKernel } from '../kernels/training-kernels.js';
import { batchNormInference, batchNormReluTrain, batchNormTrain, type BatchStatsSink } from '../ops/batch-norm-relu.js';
import { BN_EPSILON, BN_MOMENTUM } from '../ops/constants.js';
import { nextInitSeed } from './seeded-init.js';
export type Initializer = ReturnType<typeof tfl.initializers.ones>;

export type LayerVariable = tfl.LayerVariable;
export type LayerArgs = ConstructorParameters<typeof tfl.layers.Layer>[0];
export type Shape = (number | null)[];
export type Kwargs = Record<string, unknown>;

export { BN_EPSILON, BN_MOMENTUM };

export interface NormVariables {
  weight: LayerVariable;
  bias: LayerVariable;
  runningMean: LayerVariable;
  runningVar: LayerVariable;
}

/** Validates one field of a layer config; the error names the layer and the field. */
export function requireField(
  className: string,
  config: Record<string, unknown>,
  field: string,
  check: (v: unknown) => boolean,
  what: string,
): void {
  const value = config[field];
  if (!check(value)) {
    const layer = typeof config.name === 'string' ? config.name : '(unnamed)';
    throw new Error(
      `${className} layer "${layer}": config field "${field}" = ${JSON.stringify(value)} must be ${what}`,
    );
  }
}

export const isPositiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
export const isNonNegativeInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;

/**
 * Shared plumbing of this package's layers: weights registered under the reference's
 * state_dict names (`norm.weight`, `conv.weight`, `_mask`...), so importing a PyTorch checkpoint
 * and exporting one is a name lookup, plus a PyTorch-faithful pre-activation BatchNorm.
 */
export abstract class CondenseLayer extends tfl.layers.Layer {
  protected readonly named: Record<string, LayerVariable> = {};

  /** The variable stored under a reference (PyTorch) parameter name, e.g. `norm.running_var`. */
  referenceWeight(name: string): LayerVariable {
    const v = this.named[name];
    if (!v) {
      throw new Error(
        `layer "${this.name}" has no weight "${name}" (it has: ${Object.keys(this.named).join(', ')})`,
      );
    }
    return v;
  }

  referenceWeightNames(): string[] {
    return Object.keys(this.named);
  }

  protected weight(
    name: string,
    shape: number[],
    initializer: Initializer,
    trainable = true,
    dtype: 'float32' | 'int32' = 'float32',
  ): LayerVariable {
    // tfjs tensor names must start with a letter or digit: `_mask` is saved as `mask`.
    const v = this.addWeight(name.replace(/^_/, ''), shape, dtype, initializer, undefined, trainable);
    this.named[name] = v;
    return v;
  }

  protected addNorm(channels: number, prefix = 'norm.'): NormVariables {
    return {
      weight: this.weight(`${prefix}weight`, [channels], tfl.initializers.ones()),
      bias: this.weight(`${prefix}bias`, [channels], tfl.initializers.zeros()),
      runningMean: this.weight(`${prefix}running_mean`, [channels], tfl.initializers.zeros(), false),
      runningVar: this.weight(`${prefix}running_var`, [channels], tfl.initializers.ones(), false),
    };
  }
}

/**
 * Moves the running statistics as PyTorch does: momentum 0.1 towards the batch mean and the
 * *unbiased* batch variance (the golden SGD steps depend on it). Where this package's kernels
 * run, one kernel with the same float32 operations as the stock ops below.
 */
export function runningStatsSink(n: NormVariables): BatchStatsSink {
  return (mean, variance, count) =>
    tf.tidy(() => {
      if (hasTrainingKernels(tf.getBackend())) {
        const inputs = { mean, variance, runningMean: n.runningMean.read(), runningVar: n.runningVar.read() };
        const [runningMean, runningVar] = runTrainingKernel<tf.Tensor[]>(BN_RUNNING_STATS, inputs, { momentum: BN_MOMENTUM, count });
        n.runningMean.write(runningMean);
        n.runningVar.write(runningVar);
        return;
      }
      const m = BN_MOMENTUM;
      const unbiased = tf.mul(variance, count / Math.max(count - 1, 1));
      n.runningMean.write(tf.add(tf.mul(n.runningMean.read(), 1 - m), tf.mul(mean, m)));
      n.runningVar.write(tf.add(tf.mul(n.runningVar.read(), 1 - m), tf.mul(unbiased, m)));
    });
}

/**
 * BatchNorm over the last axis as PyTorch computes it. Training: normalise with the batch mean
 * and the biased variance, and update the running statistics. Eval: the running statistics.
 */
export function batchNorm(x: tf.Tensor, n: NormVariables, training: boolean): tf.Tensor {
  if (!training) return inference(x, n, false);
  return batchNormTrain(x, n.weight.read() as tf.Tensor1D, n.bias.read() as tf.Tensor1D, runningStatsSink(n));
}

function inference(x: tf.Tensor, n: NormVariables, relu: boolean): tf.Tensor {
  const v = (w: LayerVariable) => w.read() as tf.Tensor1D;
  return batchNormInference(x, v(n.runningMean), v(n.runningVar), v(n.weight), v(n.bias), relu);
}

/** BN -> ReLU; in training through the fused op that recomputes instead of storing. */
export function batchNormRelu(x: tf.Tensor, n: NormVariables, training: boolean): tf.Tensor {
  if (!training) return inference(x, n, true);
  return batchNormReluTrain(x, n.weight.read() as tf.Tensor1D, n.bias.read() as tf.Tensor1D, runningStatsSink(n));
}

export function isTraining(kwargs: Kwargs | undefined): boolean {
  return kwargs?.training === true;
}

/** Normal(0, sqrt(2 / (kh * kw * outChannels))): the reference's conv initialisation. */
export function convInitializer(kh: number, kw: number, outChannels: number): Initializer {
  return tfl.initializers.randomNormal({ mean: 0, stddev: Math.sqrt(2 / (kh * kw * outChannels)), seed: nextInitSeed() });
}

/** Uniform(-1/sqrt(inFeatures), 1/sqrt(inFeatures)): PyTorch's Linear initialisation. */
export function linearInitializer(inFeatures: number): Initializer {
  const bound = 1 / Math.sqrt(inFeatures);
  return tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: nextInitSeed() });
}

export function singleInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

export function singleShape(shape: Shape | Shape[]): Shape {
  return Array.isArray(shape[0]) ? (shape[0] as Shape) : (shape as Shape);
}
