/**
 * Plain NHWC loops written straight from the spec, for checking the kernels and every backend's
 * whole model. Rows are `stride` floats wide so the dense block's shared buffer can be mimicked.
 */
import type { BatchNormParams } from '@condensenet/core';
import type { CondensedModel } from '../artifact/types.js';
import { layerWeights } from '../backends/layer-weights.js';

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

/**
 * The whole condensed model on `batch` NHWC images in [0, 1]: normalise, stem, per layer the
 * condensed 1x1 (with the 3x3's BN + ReLU) then the grouped 3x3 appended to the block's
 * channels, 2x2 average pools between blocks, BN + ReLU + global pool + gathered Linear.
 */
export function condensedModelReference(model: CondensedModel, images: Float32Array, batch: number): Float32Array {
  const w = layerWeights(model);
  const { plan } = w;
  const eps = model.batchNormEpsilon;
  const { inputSize: size, inChannels } = plan.stem;
  const { mean, std } = model.normalization;
  const x = images.map((v, i) => (v - mean[i % inChannels]) / std[i % inChannels]);
  let s = plan.blocks[0].spatial;
  let channels = plan.stem.outChannels;
  let feat = groupedConv3x3Reference(x, batch, size, size, inChannels, 1, w.stem, channels, plan.stem.stride);
  plan.blocks.forEach((block, i) => {
    for (const l of w.blocks[i]) {
      const pixels = batch * s * s;
      const c3 = l.plan.conv3x3;
      const bottleneck = condensedConv1x1Reference(feat, channels, pixels, l.index, l.norm1, l.weight1, l.plan.learnedGroup.groups, eps, l.norm2);
      const grown = groupedConv3x3Reference(bottleneck, batch, s, s, c3.inChannels, c3.groups, l.weight2, c3.outChannels);
      const next = new Float32Array(pixels * (channels + c3.outChannels));
      for (let p = 0; p < pixels; p++) {
        next.set(feat.subarray(p * channels, (p + 1) * channels), p * (channels + c3.outChannels));
        next.set(grown.subarray(p * c3.outChannels, (p + 1) * c3.outChannels), p * (channels + c3.outChannels) + channels);
      }
      feat = next;
      channels += c3.outChannels;
    }
    if (block.transition) {
      const half = s >> 1;
      const pooled = new Float32Array(batch * half * half * channels);
      for (let n = 0; n < batch; n++) {
        for (let h = 0; h < half; h++) {
          for (let v = 0; v < half; v++) {
            for (let c = 0; c < channels; c++) {
              const at = (hh: number, vv: number) => feat[((n * s + hh) * s + vv) * channels + c];
              pooled[((n * half + h) * half + v) * channels + c] = (at(2 * h, 2 * v) + at(2 * h, 2 * v + 1) + at(2 * h + 1, 2 * v) + at(2 * h + 1, 2 * v + 1)) / 4;
            }
          }
        }
      }
      feat = pooled;
      s = half;
    }
  });
  const { head } = plan;
  if (head.poolSize !== s) throw new Error(`condensedModelReference: final pool ${head.poolSize} does not cover the ${s}x${s} map`);
  const logits = new Float32Array(batch * head.classes);
  for (let n = 0; n < batch; n++) {
    const pooled = new Float64Array(channels);
    for (let p = 0; p < s * s; p++) {
      for (let c = 0; c < channels; c++) pooled[c] += normRelu(feat[(n * s * s + p) * channels + c], w.normLast, c, eps) / (s * s);
    }
    for (let o = 0; o < head.classes; o++) {
      let acc = w.classifierBias[o];
      for (let t = 0; t < head.condensedFeatures; t++) acc += w.classifierWeight[o * head.condensedFeatures + t] * pooled[w.classifierIndex[t]];
      logits[n * head.classes + o] = acc;
    }
  }
  return logits;
}
