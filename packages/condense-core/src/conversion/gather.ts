import { describe, requireIndicesInRange } from '../condensation/checks.js';

/** out[s] = values[index[s]]: the converted layer's BatchNorm runs after the channel gather. */
export function gatherByIndex(values: Float32Array, index: Int32Array): Float32Array {
  const where = 'gatherByIndex';
  if (!(values instanceof Float32Array)) {
    throw new Error(`${where}: values = ${describe(values)} must be a Float32Array`);
  }
  if (!(index instanceof Int32Array)) {
    throw new Error(`${where}: index = ${describe(index)} must be an Int32Array`);
  }
  requireIndicesInRange(index, values.length, where, 'index');
  const out = new Float32Array(index.length);
  for (let s = 0; s < index.length; s++) out[s] = values[index[s]];
  return out;
}
