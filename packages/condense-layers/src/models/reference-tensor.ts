import { linearIoToOi, linearOiToIo, hwioToOihw, oihwToHwio } from '@condensenet/core';
import * as tf from '@tensorflow/tfjs-core';
import type { CondenseLayer } from '../layers/base.js';

/** A tensor in PyTorch layout (OIHW conv weights, [out, in] Linear weights), row-major. */
export interface ReferenceTensor {
  shape: number[];
  data: Float32Array | Int32Array | ArrayLike<number>;
}

function toFloat32(data: ReferenceTensor['data']): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
}

/**
 * Writes a PyTorch-layout tensor into the layer weight stored under the same reference name,
 * converting the layout: 4-d conv weights and masks OIHW -> HWIO, Linear weights [out, in] ->
 * [in, out]; indices become int32. Shapes are checked after conversion.
 */
export function assignReferenceTensor(layer: CondenseLayer, name: string, tensor: ReferenceTensor): void {
  const variable = layer.referenceWeight(name);
  const target = variable.shape as number[];
  const values = toModelLayout(tensor, target, variable.dtype as 'float32' | 'int32', `layer "${layer.name}" weight "${name}"`);
  tf.tidy(() => {
    variable.write(tf.tensor(values, target, variable.dtype));
  });
}

/**
 * A PyTorch-layout tensor's values in the layout of a model weight of shape `target`: 4-d conv
 * weights and masks OIHW -> HWIO, Linear weights [out, in] -> [in, out]; `where` names the
 * weight in errors. Also what an optimizer's momentum buffer of that weight needs.
 */
export function toModelLayout(tensor: ReferenceTensor, target: readonly number[], dtype: 'float32' | 'int32', where: string): Float32Array | Int32Array {
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== count) {
    throw new Error(`${where}: ${tensor.data.length} values for PyTorch shape [${tensor.shape}]`);
  }
  let values: Float32Array | Int32Array;
  let shape = tensor.shape;
  if (tensor.shape.length === 4) {
    values = oihwToHwio(toFloat32(tensor.data), tensor.shape as [number, number, number, number]);
    const [o, i, h, w] = tensor.shape;
    shape = [h, w, i, o];
  } else if (tensor.shape.length === 2) {
    const [o, i] = tensor.shape;
    values = linearOiToIo(toFloat32(tensor.data), o, i);
    shape = [i, o];
  } else if (dtype === 'int32') {
    values = Int32Array.from(tensor.data as ArrayLike<number>);
  } else {
    values = toFloat32(tensor.data);
  }
  if (shape.length !== target.length || shape.some((d, k) => d !== target[k])) {
    throw new Error(`${where}: PyTorch shape [${tensor.shape}] does not fit [${target}]`);
  }
  return values;
}

/** The inverse of `assignReferenceTensor`: the weight in PyTorch layout. */
export function readReferenceTensor(layer: CondenseLayer, name: string): { shape: number[]; data: Float32Array | Int32Array } {
  const variable = layer.referenceWeight(name);
  const shape = variable.shape as number[];
  const data = variable.read().dataSync() as Float32Array | Int32Array;
  if (shape.length === 4) {
    const [h, w, i, o] = shape;
    return { shape: [o, i, h, w], data: hwioToOihw(data as Float32Array, [h, w, i, o]) };
  }
  if (shape.length === 2) {
    const [i, o] = shape;
    return { shape: [o, i], data: linearIoToOi(data as Float32Array, i, o) };
  }
  return { shape, data: data.slice() };
}
