import { buildPlan } from '@condensenet/core';
import type { CondensedWeights } from '../export-condensed.js';

/** An NCHW activation. */
interface Maps {
  data: Float32Array;
  n: number;
  c: number;
  h: number;
  w: number;
}

/**
 * The converted model's forward pass written as plain loops, one function per torch module, to
 * check the ONNX graph against something that shares none of its code. `x` is normalised NCHW.
 */
export function referenceForward(model: CondensedWeights, x: Float32Array, batch: number): Float32Array {
  const plan = buildPlan(model.config);
  const t = (name: string) => {
    const v = model.tensors.get(name);
    if (v === undefined) throw new Error(`reference forward: no tensor ${name}`);
    return v;
  };
  const bn = (m: Maps, prefix: string) => {
    const [weight, bias, mean, variance] = ['weight', 'bias', 'running_mean', 'running_var'].map((k) => t(`${prefix}.${k}`));
    return batchNorm(m, weight, bias, mean, variance, model.batchNormEpsilon);
  };

  const side = plan.config.inputSize;
  let h: Maps = { data: x, n: batch, c: plan.config.inputChannels, h: side, w: side };
  h = conv2d(h, t('features.init_conv.weight'), plan.stem.outChannels, 3, plan.stem.stride, 1, 1);
  for (const block of plan.blocks) {
    for (const layer of block.layers) {
      const c1 = `${layer.torchPrefix}.conv_1`;
      let y = selectChannels(h, t(`${c1}.index`));
      y = relu(bn(y, `${c1}.norm`));
      y = conv2d(y, t(`${c1}.conv.weight`), layer.bottleneckChannels, 1, 1, 0, layer.learnedGroup.groups);
      y = shuffle(y, layer.learnedGroup.groups);
      const c2 = `${layer.torchPrefix}.conv_2`;
      y = relu(bn(y, `${c2}.norm`));
      y = conv2d(y, t(`${c2}.conv.weight`), layer.growth, 3, 1, 1, layer.conv3x3.groups);
      h = concat(h, y);
    }
    if (block.transition) h = avgPool(h, 2, 2);
  }
  h = avgPool(relu(bn(h, 'features.norm_last')), plan.head.poolSize, plan.head.poolSize);
  const features: Maps = { data: h.data, n: batch, c: h.c * h.h * h.w, h: 1, w: 1 };
  const kept = selectChannels(features, t('classifier.index'));
  return linear(kept, t('classifier.linear.weight'), t('classifier.linear.bias'), plan.head.classes);
}

/** torch.nn.functional.conv2d with OIHW weights, square kernel, zero padding, no bias. */
function conv2d(
  x: Maps,
  weight: ArrayLike<number>,
  out: number,
  k: number,
  stride: number,
  pad: number,
  groups: number,
): Maps {
  const oh = Math.floor((x.h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((x.w + 2 * pad - k) / stride) + 1;
  const inPer = x.c / groups;
  const outPer = out / groups;
  const y = new Float32Array(x.n * out * oh * ow);
  for (let n = 0; n < x.n; n++) {
    for (let o = 0; o < out; o++) {
      const g = Math.floor(o / outPer);
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          let sum = 0;
          for (let ci = 0; ci < inPer; ci++) {
            const c = g * inPer + ci;
            for (let ki = 0; ki < k; ki++) {
              const r = i * stride - pad + ki;
              if (r < 0 || r >= x.h) continue;
              for (let kj = 0; kj < k; kj++) {
                const s = j * stride - pad + kj;
                if (s < 0 || s >= x.w) continue;
                sum += x.data[((n * x.c + c) * x.h + r) * x.w + s] * weight[((o * inPer + ci) * k + ki) * k + kj];
              }
            }
          }
          y[((n * out + o) * oh + i) * ow + j] = sum;
        }
      }
    }
  }
  return { data: y, n: x.n, c: out, h: oh, w: ow };
}

/** Eval-mode BatchNorm2d: (x - mean) / sqrt(var + eps) * weight + bias. */
function batchNorm(
  x: Maps,
  weight: ArrayLike<number>,
  bias: ArrayLike<number>,
  mean: ArrayLike<number>,
  variance: ArrayLike<number>,
  eps: number,
): Maps {
  return mapChannels(x, (v, c) => ((v - mean[c]) / Math.sqrt(variance[c] + eps)) * weight[c] + bias[c]);
}

function relu(x: Maps): Maps {
  return mapChannels(x, (v) => Math.max(v, 0));
}

function mapChannels(x: Maps, f: (v: number, c: number) => number): Maps {
  const y = new Float32Array(x.data.length);
  const hw = x.h * x.w;
  for (let i = 0; i < y.length; i++) y[i] = f(x.data[i], Math.floor(i / hw) % x.c);
  return { ...x, data: y };
}

/** torch.index_select(x, 1, index). */
function selectChannels(x: Maps, index: ArrayLike<number>): Maps {
  const hw = x.h * x.w;
  const y = new Float32Array(x.n * index.length * hw);
  for (let n = 0; n < x.n; n++) {
    for (let c = 0; c < index.length; c++) {
      y.set(x.data.subarray((n * x.c + index[c]) * hw, (n * x.c + index[c] + 1) * hw), (n * index.length + c) * hw);
    }
  }
  return { ...x, data: y, c: index.length };
}

/** ShuffleLayer: y[:, k*G + g] = x[:, g*(C/G) + k]. */
function shuffle(x: Maps, groups: number): Maps {
  const per = x.c / groups;
  const perm = Array.from({ length: x.c }, (_, c) => (c % groups) * per + Math.floor(c / groups));
  return selectChannels(x, perm);
}

function concat(a: Maps, b: Maps): Maps {
  const hw = a.h * a.w;
  const c = a.c + b.c;
  const y = new Float32Array(a.n * c * hw);
  for (let n = 0; n < a.n; n++) {
    y.set(a.data.subarray(n * a.c * hw, (n + 1) * a.c * hw), n * c * hw);
    y.set(b.data.subarray(n * b.c * hw, (n + 1) * b.c * hw), (n * c + a.c) * hw);
  }
  return { ...a, data: y, c };
}

/** AvgPool2d(k, stride), no padding, floor mode. */
function avgPool(x: Maps, k: number, stride: number): Maps {
  const oh = Math.floor((x.h - k) / stride) + 1;
  const ow = Math.floor((x.w - k) / stride) + 1;
  const y = new Float32Array(x.n * x.c * oh * ow);
  for (let nc = 0; nc < x.n * x.c; nc++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let sum = 0;
        for (let ki = 0; ki < k; ki++) {
          for (let kj = 0; kj < k; kj++) sum += x.data[(nc * x.h + i * stride + ki) * x.w + j * stride + kj];
        }
        y[(nc * oh + i) * ow + j] = sum / (k * k);
      }
    }
  }
  return { data: y, n: x.n, c: x.c, h: oh, w: ow };
}

/** nn.Linear on [N, F] features held as [N, F, 1, 1]. */
function linear(x: Maps, weight: ArrayLike<number>, bias: ArrayLike<number>, out: number): Float32Array {
  const y = new Float32Array(x.n * out);
  for (let n = 0; n < x.n; n++) {
    for (let o = 0; o < out; o++) {
      let sum = bias[o];
      for (let f = 0; f < x.c; f++) sum += x.data[n * x.c + f] * weight[o * x.c + f];
      y[n * out + o] = sum;
    }
  }
  return y;
}
