import type * as tf from '@tensorflow/tfjs-core';

/** Ids of the tensors the running gradient computation never differentiates with respect to. */
const constant = new Set<number>();

/**
 * Runs `fn`, a gradient computation with respect to variables (tf.variableGrads), declaring that
 * no gradient with respect to `data` (the batch of images) is wanted, so the stem's convolution
 * skips its input gradient: a custom gradient computes every input's gradient eagerly, and that
 * one, a full transposed convolution of the first layer's map, is thrown away by every training
 * step. Outside such a scope (a saliency map, tf.grad with respect to an image) the gradient is
 * computed as usual.
 */
export function withoutInputGradients<T>(data: tf.Tensor[], fn: () => T): T {
  const added = data.filter((t) => !constant.has(t.id)).map((t) => t.id);
  for (const id of added) constant.add(id);
  try {
    return fn();
  } finally {
    for (const id of added) constant.delete(id);
  }
}

/** Whether `t` was declared constant by the enclosing withoutInputGradients. */
export function isConstantInput(t: tf.Tensor): boolean {
  return constant.has(t.id);
}
