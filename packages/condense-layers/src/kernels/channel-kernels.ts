// BatchNorm's per-channel arithmetic between its passes over the map, one kernel each instead
// of seven small tfjs ops: on the quick start's 13 BatchNorms that was ~180 kernel calls a
// training step at ~10-20 us each, whatever the batch (perf/RESULTS.md). Vectors of one value a
// channel, so plain JavaScript on the backend's own storage serves wasm and cpu alike. Each value
// goes through the float32 operations of the tfjs ops it replaces, in their order, so the
// results are those ops' bits.
import * as tf from '@tensorflow/tfjs-core';
import type { CpuBackend, WasmBackend } from './training-kernels.js';
import { wasmOffset } from './wasm-kernels.js';

/**
 * Inputs mean, variance (the batch's, biased), runningMean, runningVar; attrs { momentum, count }
 * (count: values per channel). Outputs the running statistics moved as PyTorch moves them:
 * (1 - momentum) * running + momentum * batch, with the unbiased variance.
 */
export const BN_RUNNING_STATS = 'CondenseBatchNormRunningStats';
/**
 * Inputs sumDz, sumDzCentered (bnBackwardSums'), invStd, scale (gamma * invStd); attrs { count }.
 * Outputs dGamma = sumDzCentered * invStd and the factors of bnBackwardApply:
 * kCentered = -(scale * (invStd * (dGamma / count))), kConst = -(scale * (sumDz / count)).
 */
export const BN_BACKWARD_FACTORS = 'CondenseBatchNormBackwardFactors';

const f = Math.fround;

export function runningStats(
  mean: Float32Array, variance: Float32Array, runningMean: Float32Array, runningVar: Float32Array, momentum: number, count: number,
): [Float32Array, Float32Array] {
  const keep = f(1 - momentum);
  const m = f(momentum);
  const unbias = f(count / Math.max(count - 1, 1));
  const nextMean = new Float32Array(mean.length);
  const nextVar = new Float32Array(mean.length);
  for (let c = 0; c < mean.length; c++) {
    nextMean[c] = f(runningMean[c] * keep) + f(mean[c] * m);
    nextVar[c] = f(runningVar[c] * keep) + f(f(variance[c] * unbias) * m);
  }
  return [nextMean, nextVar];
}

export function backwardFactors(
  sumDz: Float32Array, sumDzCentered: Float32Array, invStd: Float32Array, scale: Float32Array, count: number,
): [Float32Array, Float32Array, Float32Array] {
  const n = f(count);
  const dGamma = new Float32Array(sumDz.length);
  const kCentered = new Float32Array(sumDz.length);
  const kConst = new Float32Array(sumDz.length);
  for (let c = 0; c < sumDz.length; c++) {
    dGamma[c] = sumDzCentered[c] * invStd[c];
    kCentered[c] = -f(scale[c] * f(invStd[c] * f(dGamma[c] / n)));
    kConst[c] = -f(scale[c] * f(sumDz[c] / n));
  }
  return [dGamma, kCentered, kConst];
}

type Info = tf.TensorInfo;

/** Float32 storage of the tensors of one backend, read in place and written as new outputs. */
interface Storage {
  read(t: Info): Float32Array;
  output(values: Float32Array): Info;
}

const STORAGE: Record<'wasm' | 'cpu', (backend: unknown) => Storage> = {
  wasm: (backend) => {
    const b = backend as WasmBackend;
    const heap = () => b.wasm.asm.memory.buffer;
    return {
      read: (t) => new Float32Array(heap(), wasmOffset(b, t.dataId), tf.util.sizeFromShape(t.shape)),
      output: (values) => {
        const out = b.makeOutput([values.length], 'float32');
        new Float32Array(heap(), wasmOffset(b, out.dataId), values.length).set(values);
        return out;
      },
    };
  },
  cpu: (backend) => {
    const b = backend as CpuBackend;
    return { read: (t) => b.data.get(t.dataId).values as Float32Array, output: (values) => b.makeTensorInfo([values.length], 'float32', values) };
  },
};

function vector(inputs: tf.NamedTensorInfoMap, name: string, kernel: string, channels?: number): Info {
  const t = inputs[name];
  if (t?.dtype !== 'float32' || t.shape.length !== 1) throw new Error(`${kernel}: input '${name}' must be a float32 vector`);
  if (channels !== undefined && t.shape[0] !== channels) throw new Error(`${kernel}: '${name}' has ${t.shape[0]} values, ${channels} expected`);
  return t;
}

export function channelKernelConfigs(): tf.KernelConfig[] {
  return (['wasm', 'cpu'] as const).flatMap((backendName) => [
    {
      kernelName: BN_RUNNING_STATS,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const s = STORAGE[backendName](backend);
        const mean = vector(inputs, 'mean', BN_RUNNING_STATS);
        const c = mean.shape[0];
        const [a, b, rm, rv] = ['mean', 'variance', 'runningMean', 'runningVar'].map((name) => s.read(vector(inputs, name, BN_RUNNING_STATS, c)));
        const { momentum, count } = attrs as unknown as { momentum: number; count: number };
        return runningStats(a, b, rm, rv, momentum, count).map((v) => s.output(v));
      },
    },
    {
      kernelName: BN_BACKWARD_FACTORS,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const s = STORAGE[backendName](backend);
        const c = vector(inputs, 'sumDz', BN_BACKWARD_FACTORS).shape[0];
        const [sumDz, sumDzCentered, invStd, scale] = ['sumDz', 'sumDzCentered', 'invStd', 'scale'].map((name) =>
          s.read(vector(inputs, name, BN_BACKWARD_FACTORS, c)),
        );
        const { count } = attrs as unknown as { count: number };
        return backwardFactors(sumDz, sumDzCentered, invStd, scale, count).map((v) => s.output(v));
      },
    },
  ]);
}
