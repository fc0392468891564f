import { nchwToNhwc, nhwcToNchw } from '@condensenet/core';
import type { GoldenCase } from '@condensenet/golden-fixtures';
import * as tf from '@tensorflow/tfjs-core';
import type { ReferenceTensor } from '../models/reference-tensor.js';

type Shape4 = [number, number, number, number];

/** The golden tensors under `prefix`, with the prefix stripped: a reference state_dict. */
export function stateDict(gold: GoldenCase, prefix: string): Map<string, ReferenceTensor> {
  const out = new Map<string, ReferenceTensor>();
  for (const name of gold.names(prefix)) {
    const rest = name.slice(prefix.length);
    if (rest.startsWith('act.') || rest.startsWith('logits')) continue;
    const t = gold.tensor(name);
    out.set(rest, { shape: t.shape, data: t.data });
  }
  return out;
}

export function nhwcInput(gold: GoldenCase, name: string): tf.Tensor4D {
  const t = gold.tensor(name);
  const [n, c, h, w] = t.shape;
  return tf.tensor4d(nchwToNhwc(t.data as Float32Array, t.shape as Shape4), [n, h, w, c]);
}

/** An NHWC activation in the golden NCHW layout (rank 2 passes through). */
export function asNchw(y: tf.Tensor): Float32Array {
  if (y.rank !== 4) return Float32Array.from(y.dataSync());
  const [n, h, w, c] = y.shape;
  return nhwcToNchw(y.dataSync() as Float32Array, [n, h, w, c]);
}
