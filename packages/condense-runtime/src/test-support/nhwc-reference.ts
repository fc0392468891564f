/**
 * Plain NHWC loops written straight from the spec, for checking the SIMD kernels. Rows are
 * `stride` floats wide so the dense block's shared buffer can be mimicked.
 */
import type { BatchNormParams } from '@condensenet/core';

function normRelu(v: number, norm: BatchNormParams, c: number, eps: number): number {
  const y = ((v - norm.runningMean[c]) / Math.sqrt(norm.runningVar[c] + eps)) * norm.gamma[c] + norm.beta[c];
  return Math.max(y, 0);
}

/** gather -> BN -> ReLU -> grouped 1x1 [O, K] -> shuffle [G, O/G] -> [O/G, G] -> optional BN -> ReLU. */
export function condensedConv1x1Reference(
  x: Float32Array, xStride: number, pixels: number,
  index: Int32Array, norm: BatchNormParams, weight: Float32Array, groups: number, eps: number,
  after?: BatchNormParams,
): Float32Array {
  const K = index.length / groups;
  const O = weight.length / K;
  const perGroup = O / groups;
  const y = new Float32Array(pixels * O);
  const z = new Float64Array(O);
  for (let p = 0; p < pixels; p++) {
    for (let r = 0; r < O; r++) {
      const g = Math.floor(r / perGroup);
      let acc = 0;
      for (let t = 0; t < K; t++) {
        const s = g * K + t;
        acc += weight[r * K + t] * normRelu(x[p * xStride + index[s]], norm, s, eps);
      }
      z[r] = acc;
    }
    for (let g = 0; g < groups; g++) {
      for (let k = 0; k < perGroup; k++) {
        const c = k * groups + g;
        const v = z[g * perGroup + k];
        y[p * O + c] = after ? normRelu(v, after, c, eps) : v;
      }
    }
  }
  return y;
}

/** 3x3, pad 1, weight [cout, cin/groups, 3, 3]; output [batch, (height-1)/stride+1, (width-1)/stride+1, cout]. */
export function groupedConv3x3Reference(
  x: Float32Array, batch: number, height: number, width: number, cin: number, groups: number,
  weight: Float32Array, cout: number, stride = 1,
): Float32Array {
  const ci = cin / groups;
  const co = cout / groups;
  const outH = Math.floor((height - 1) / stride) + 1;
  const outW = Math.floor((width - 1) / stride) + 1;
  const y = new Float32Array(batch * outH * outW * cout);
  for (let n = 0; n < batch; n++) {
    for (let h = 0; h < outH; h++) {
      for (let w = 0; w < outW; w++) {
        for (let o = 0; o < cout; o++) {
          const g = Math.floor(o / co);
          let acc = 0;
          for (let ky = 0; ky < 3; ky++) {
            for (let kx = 0; kx < 3; kx++) {
              const hh = h * stride + ky - 1;
              const ww = w * stride + kx - 1;
              if (hh < 0 || hh >= height || ww < 0 || ww >= width) continue;
              for (let i = 0; i < ci; i++) {
                acc += x[((n * height + hh) * width + ww) * cin + g * ci + i] * weight[((o * ci + i) * 3 + ky) * 3 + kx];
              }
            }
          }
          y[((n * outH + h) * outW + w) * cout + o] = acc;
        }
      }
    }
  }
  return y;
}
