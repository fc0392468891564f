import { transpose4d } from './transpose.js';

/** PyTorch activations [N, C, H, W] -> TensorFlow.js [N, H, W, C]. */
export function nchwToNhwc(data: Float32Array, shape: readonly [number, number, number, number]): Float32Array {
  return transpose4d(data, shape, [0, 2, 3, 1], 'nchwToNhwc');
}

/** TensorFlow.js activations [N, H, W, C] -> PyTorch [N, C, H, W]. */
export function nhwcToNchw(data: Float32Array, shape: readonly [number, number, number, number]): Float32Array {
  return transpose4d(data, shape, [0, 3, 1, 2], 'nhwcToNchw');
}
