import { transpose4d } from './transpose.js';

/** PyTorch conv weight [O, I, H, W] -> TensorFlow.js conv2d filter [H, W, I, O]. */
export function oihwToHwio(data: Float32Array, shape: readonly [number, number, number, number]): Float32Array {
  return transpose4d(data, shape, [2, 3, 1, 0], 'oihwToHwio');
}

/** TensorFlow.js conv2d filter [H, W, I, O] -> PyTorch conv weight [O, I, H, W]. */
export function hwioToOihw(data: Float32Array, shape: readonly [number, number, number, number]): Float32Array {
  return transpose4d(data, shape, [3, 2, 0, 1], 'hwioToOihw');
}
