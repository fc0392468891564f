import * as tf from '@tensorflow/tfjs-core';

export interface SgdOptions {
  momentum: number;
  nesterov: boolean;
  /** L2 penalty added to every parameter's gradient, BatchNorm's included, as the reference does. */
  weightDecay: number;
}

/** The reference's optimiser settings (spec section 5). */
export const REFERENCE_SGD: SgdOptions = { momentum: 0.9, nesterov: true, weightDecay: 1e-4 };

/** A variable with a name that is stable across processes (tfjs variable names are not). */
export interface NamedParameter {
  name: string;
  variable: tf.Variable;
}

export interface SgdSlot {
  name: string;
  shape: number[];
  dtype: 'float32';
  values: Float32Array;
}

/**
 * PyTorch's SGD, step for step: d = g + wd * p; buf = momentum * buf + d; with Nesterov
 * d = d + momentum * buf; p = p - lr * d. tfjs's own momentum optimiser folds the learning rate
 * differently and cannot be driven by a per-iteration learning rate with saved state, so
 * checkpoints and the reference's loss curve would not match.
 */
export class Sgd {
  private readonly buffers = new Map<string, tf.Variable>();

  constructor(readonly options: SgdOptions = REFERENCE_SGD) {}

  /**
   * Updates every parameter in place from its gradient (`grads` keyed by tfjs variable name, as
   * tf.variableGrads returns them); momentum buffers are keyed by the stable parameter name.
   */
  step(parameters: readonly NamedParameter[], grads: tf.NamedTensorMap, lr: number): void {
    const { momentum, nesterov, weightDecay } = this.options;
    for (const { name, variable: v } of parameters) {
      const g = grads[v.name];
      if (!g) throw new Error(`Sgd.step: no gradient for parameter '${name}'`);
      tf.tidy(() => {
        let d: tf.Tensor = weightDecay !== 0 ? tf.add(g, tf.mul(v, weightDecay)) : g;
        if (momentum !== 0) {
          const buf = this.buffer(name, v);
          const next = tf.add(tf.mul(buf, momentum), d);
          buf.assign(next);
          d = nesterov ? tf.add(d, tf.mul(next, momentum)) : next;
        }
        v.assign(tf.sub(v, tf.mul(d, lr)));
      });
    }
  }

  /** Momentum buffers, for checkpoints. */
  async state(): Promise<SgdSlot[]> {
    const slots: SgdSlot[] = [];
    for (const [name, buf] of this.buffers) {
      slots.push({ name, shape: buf.shape.slice(), dtype: 'float32', values: (await buf.data()) as Float32Array });
    }
    return slots;
  }

  /** Restores momentum buffers saved by `state()`; shapes must match. */
  loadState(slots: ReadonlyArray<{ name: string; shape: number[]; values: ArrayLike<number> }>): void {
    this.dispose();
    for (const slot of slots) {
      const size = slot.shape.reduce((a, b) => a * b, 1);
      if (slot.values.length !== size) {
        throw new Error(`optimizer state '${slot.name}': ${slot.values.length} values for shape [${slot.shape}]`);
      }
      this.buffers.set(slot.name, tf.variable(tf.tensor(Float32Array.from(slot.values), slot.shape), false));
    }
  }

  dispose(): void {
    for (const buf of this.buffers.values()) buf.dispose();
    this.buffers.clear();
  }

  private buffer(name: string, v: tf.Variable): tf.Variable {
    let buf = this.buffers.get(name);
    if (buf && !shapesEqual(buf.shape, v.shape)) {
      throw new Error(`optimizer state '${name}' has shape [${buf.shape}], the parameter [${v.shape}]`);
    }
    if (!buf) {
      buf = tf.variable(tf.zerosLike(v), false);
      this.buffers.set(name, buf);
    }
    return buf;
  }
}

function shapesEqual(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
