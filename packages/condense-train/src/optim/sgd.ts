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

/** Where each parameter's momentum sits in the one flat buffer. */
interface Layout {
  names: string[];
  shapes: number[][];
  sizes: number[];
}

/**
 * PyTorch's SGD, step for step: d = g + wd * p; buf = momentum * buf + d; with Nesterov
 * d = d + momentum * buf; p = p - lr * d. tfjs's own momentum optimiser folds the learning rate
 * differently and cannot be driven by a per-iteration learning rate with saved state, so
 * checkpoints and the reference's loss curve would not match.
 *
 * The arithmetic runs once over all parameters laid end to end (their momentum buffers are one
 * flat variable): per parameter it was ten small tfjs ops, 10.6 ms a step for the quick start's
 * 41 parameters and 36 ms for CondenseNet-86's 257 on wasm (now 6.4 and 26), serial time
 * between data-parallel steps. Each element goes through the same float32 operations either way, so the values are
 * the same.
 */
export class Sgd {
  private flat?: { layout: Layout; buffer: tf.Variable };
  /** Momentum loaded by `loadState` (or carried over from another parameter list), by name, until the next step lays it out. */
  private pending = new Map<string, { shape: number[]; values: Float32Array }>();

  constructor(readonly options: SgdOptions = REFERENCE_SGD) {}

  /**
   * Updates every parameter in place from its gradient (`grads` keyed by tfjs variable name, as
   * tf.variableGrads returns them); momentum buffers are keyed by the stable parameter name.
   */
  step(parameters: readonly NamedParameter[], grads: tf.NamedTensorMap, lr: number): void {
    const g = parameters.map(({ name, variable: v }) => {
      const grad = grads[v.name];
      if (!grad) throw new Error(`Sgd.step: no gradient for parameter '${name}'`);
      return grad;
    });
    if (parameters.length === 0) return;
    tf.tidy(() => {
      this.update(parameters, flatten(g), lr);
    });
  }

  /**
   * `step` with the gradients already laid end to end in the parameters' order (what
   * data-parallel shards sum). Returns the new parameters laid out the same way where the
   * backend read them back to write them (wasm, cpu), so that a caller needing them on the host
   * does not read them again; undefined elsewhere.
   */
  stepFlat(parameters: readonly NamedParameter[], gradient: tf.Tensor1D, lr: number): Float32Array | undefined {
    const size = parameters.reduce((a, q) => a + q.variable.size, 0);
    if (gradient.size !== size) throw new Error(`Sgd.stepFlat: ${gradient.size} gradient values for ${size} parameter values`);
    if (parameters.length === 0) return undefined;
    // Not returned through tf.tidy, which walks a returned object's every element looking for tensors.
    let values: Float32Array | undefined;
    tf.tidy(() => {
      values = this.update(parameters, gradient, lr);
    });
    return values;
  }

  private update(parameters: readonly NamedParameter[], gradient: tf.Tensor, lr: number): Float32Array | undefined {
    const { momentum, nesterov, weightDecay } = this.options;
    const buffer = momentum !== 0 ? this.buffer(parameters) : undefined;
    const p = flatten(parameters.map((q) => q.variable));
    let d = gradient;
    if (weightDecay !== 0) d = tf.add(d, tf.mul(p, weightDecay));
    if (buffer) {
      const next = tf.add(tf.mul(buffer, momentum), d);
      buffer.assign(next);
      d = nesterov ? tf.add(d, tf.mul(next, momentum)) : next;
    }
    const { parts, values } = unflatten(tf.sub(p, tf.mul(d, lr)), parameters);
    parameters.forEach(({ variable }, i) => variable.assign(parts[i]));
    return values;
  }

  /** Momentum buffers, for checkpoints. */
  async state(): Promise<SgdSlot[]> {
    const slots: SgdSlot[] = [];
    if (this.flat) {
      const { layout, buffer } = this.flat;
      const values = (await buffer.data()) as Float32Array;
      let offset = 0;
      layout.names.forEach((name, i) => {
        slots.push({ name, shape: layout.shapes[i].slice(), dtype: 'float32', values: values.slice(offset, offset + layout.sizes[i]) });
        offset += layout.sizes[i];
      });
    }
    for (const [name, { shape, values }] of this.pending) slots.push({ name, shape: shape.slice(), dtype: 'float32', values: values.slice() });
    return slots;
  }

  /** Restores momentum buffers saved by `state()`; shapes must match. */
  loadState(slots: ReadonlyArray<{ name: string; shape: number[]; values: ArrayLike<number> }>): void {
    const pending = new Map<string, { shape: number[]; values: Float32Array }>();
    for (const slot of slots) {
      const size = slot.shape.reduce((a, b) => a * b, 1);
      if (slot.values.length !== size) {
        throw new Error(`optimizer state '${slot.name}': ${slot.values.length} values for shape [${slot.shape}]`);
      }
      pending.set(slot.name, { shape: slot.shape.slice(), values: Float32Array.from(slot.values) });
    }
    this.dispose();
    this.pending = pending;
  }

  dispose(): void {
    this.flat?.buffer.dispose();
    this.flat = undefined;
    this.pending.clear();
  }

  /** The flat momentum buffer for `parameters` in their order, laid out anew (momentum kept by name) when they changed. */
  private buffer(parameters: readonly NamedParameter[]): tf.Variable {
    const current = this.flat;
    if (current && sameLayout(current.layout, parameters)) return current.buffer;
    if (current) {
      const values = current.buffer.dataSync() as Float32Array;
      let offset = 0;
      current.layout.names.forEach((name, i) => {
        this.pending.set(name, { shape: current.layout.shapes[i], values: values.slice(offset, offset + current.layout.sizes[i]) });
        offset += current.layout.sizes[i];
      });
      current.buffer.dispose();
    }
    const layout: Layout = { names: [], shapes: [], sizes: [] };
    const values = new Float32Array(parameters.reduce((a, q) => a + q.variable.size, 0));
    let offset = 0;
    for (const { name, variable: v } of parameters) {
      const saved = this.pending.get(name);
      if (saved) {
        if (!shapesEqual(saved.shape, v.shape)) {
          throw new Error(`optimizer state '${name}' has shape [${saved.shape}], the parameter [${v.shape}]`);
        }
        values.set(saved.values, offset);
        this.pending.delete(name);
      }
      layout.names.push(name);
      layout.shapes.push(v.shape.slice());
      layout.sizes.push(v.size);
      offset += v.size;
    }
    const buffer = tf.tidy(() => tf.variable(tf.tensor1d(values), false));
    this.flat = { layout, buffer };
    return buffer;
  }
}

/** Tensors laid end to end as one vector (the layout of `Sgd.stepFlat`'s gradient). */
export function flatten(ts: tf.Tensor[]): tf.Tensor1D {
  return (ts.length === 1 ? tf.reshape(ts[0], [-1]) : tf.concat(ts.map((t) => tf.reshape(t, [-1])))) as tf.Tensor1D;
}

/**
 * `flat` cut back into one tensor per parameter. Where the backend keeps tensors in this
 * process's memory, one read and an upload per parameter: tfjs-wasm's split (and slice) took
 * 30 ms for the quick start's 41 pieces, the read and uploads about 1; the values read are
 * returned. Elsewhere (a GPU) the values stay on the device.
 */
function unflatten(flat: tf.Tensor, parameters: readonly NamedParameter[]): { parts: tf.Tensor[]; values?: Float32Array } {
  const backend = tf.getBackend();
  if (backend === 'wasm' || backend === 'cpu') {
    const values = flat.dataSync() as Float32Array;
    let offset = 0;
    const parts = parameters.map(({ variable }) => {
      offset += variable.size;
      return tf.tensor(values.slice(offset - variable.size, offset), variable.shape);
    });
    return { parts, values };
  }
  if (parameters.length === 1) return { parts: [tf.reshape(flat, parameters[0].variable.shape)] };
  const pieces = tf.split(flat, parameters.map((q) => q.variable.size));
  return { parts: pieces.map((part, i) => tf.reshape(part, parameters[i].variable.shape)) };
}

function sameLayout(layout: Layout, parameters: readonly NamedParameter[]): boolean {
  return layout.names.length === parameters.length && parameters.every((q, i) => q.name === layout.names[i] && shapesEqual(q.variable.shape, layout.shapes[i]));
}

function shapesEqual(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
