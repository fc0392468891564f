import * as tf from '@tensorflow/tfjs-core';

interface WasmRefCounting {
  incRef(dataId: object): void;
}

/** Marks the Identity this package registers, so that a second copy of it does not wrap it again. */
const SHARED = Symbol.for('condensenet.sharedIdentity');

/**
 * Replaces tfjs-wasm's Identity, which copies its input, by one that shares the input's data,
 * as the cpu and webgl backends' Identity does (tensors are immutable, and the backend counts
 * the references). Every tensor a custom gradient saves for its backward pass goes through
 * Identity (tfjs clones it): on wasm that was a copy of each saved activation, 1,077 copies and
 * 193 ms of a 5.3 s CondenseNet-86 training step (perf/RESULTS.md). Strings keep the stock kernel.
 */
export function shareIdentityOnWasm(): void {
  const stock = tf.getKernel(tf.Identity, 'wasm');
  if (!stock || (stock.kernelFunc as { [SHARED]?: boolean })[SHARED]) return;
  const kernelFunc: tf.KernelFunc = (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string') return stock.kernelFunc(args);
    (args.backend as unknown as WasmRefCounting).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
  Object.defineProperty(kernelFunc, SHARED, { value: true });
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({ ...stock, kernelFunc });
}
