import { requirePositiveInteger } from '../condensation/checks.js';
import { transpose4d } from './transpose.js';

/** PyTorch Linear weight [out, in] -> TensorFlow.js dense kernel [in, out]. */
export function linearOiToIo(data: Float32Array, outFeatures: number, inFeatures: number): Float32Array {
  requirePositiveInteger(outFeatures, 'linearOiToIo', 'outFeatures');
  requirePositiveInteger(inFeatures, 'linearOiToIo', 'inFeatures');
  return transpose4d(data, [outFeatures, inFeatures, 1, 1], [1, 0, 2, 3], 'linearOiToIo');
}

/** TensorFlow.js dense kernel [in, out] -> PyTorch Linear weight [out, in]. */
export function linearIoToOi(data: Float32Array, inFeatures: number, outFeatures: number): Float32Array {
  requirePositiveInteger(inFeatures, 'linearIoToOi', 'inFeatures');
  requirePositiveInteger(outFeatures, 'linearIoToOi', 'outFeatures');
  return transpose4d(data, [inFeatures, outFeatures, 1, 1], [1, 0, 2, 3], 'linearIoToOi');
}
