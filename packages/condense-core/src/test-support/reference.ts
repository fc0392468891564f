/**
 * Plain, obviously-correct NCHW reference operators for tests: every loop is written out so
 * the library's conversion can be checked against the arithmetic the spec describes.
 */

export type Nchw = readonly [number, number, number, number];

/** 1x1 conv, weight [O, C/groups]; with groups > 1 output o reads input group floor(o / (O/groups)). */
export function conv1x1(x: Float32Array, shape: Nchw, weight: Float32Array, outChannels: number, groups = 1): Float32Array {
  const [N, C, H, W] = shape;
  const hw = H * W;
  const inPer = C / groups;
  const outPer = outChannels / groups;
  if (weight.length !== outChannels * inPer) throw new Error(`conv1x1: weight length ${weight.length}`);
  const y = new Float32Array(N * outChannels * hw);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < outChannels; o++) {
      const g = Math.floor(o / outPer);
      for (let p = 0; p < hw; p++) {
        let acc = 0;
        for (let i = 0; i < inPer; i++) acc += weight[o * inPer + i] * x[(n * C + g * inPer + i) * hw + p];
        y[(n * outChannels + o) * hw + p] = acc;
      }
    }
  }
  return y;
}

/** Eval-mode BatchNorm2d: (x - mean) / sqrt(var + eps) * gamma + beta. */
export function batchNormEval(
  x: Float32Array,
  shape: Nchw,
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  eps = 1e-5,
): Float32Array {
  const [N, C, H, W] = shape;
  const hw = H * W;
  const y = new Float32Array(x.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const scale = gamma[c] / Math.sqrt(variance[c] + eps);
      for (let p = 0; p < hw; p++) {
        const i = (n * C + c) * hw + p;
        y[i] = (x[i] - mean[c]) * scale + beta[c];
      }
    }
  }
  return y;
}

export function relu(x: Float32Array): Float32Array {
  return x.map((v) => Math.max(v, 0));
}

/** y[:, s] = x[:, channels[s]] (index gather and channel shuffle alike). */
export function takeChannels(x: Float32Array, shape: Nchw, channels: ArrayLike<number>): Float32Array {
  const [N, C, H, W] = shape;
  const hw = H * W;
  const S = channels.length;
  const y = new Float32Array(N * S * hw);
  for (let n = 0; n < N; n++) {
    for (let s = 0; s < S; s++) {
      const src = (n * C + channels[s]) * hw;
      y.set(x.subarray(src, src + hw), (n * S + s) * hw);
    }
  }
  return y;
}

export function multiply(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((v, i) => v * b[i]);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: lengths ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
