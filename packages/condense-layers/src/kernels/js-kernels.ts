// The cpu backend's port of asm/train-kernels.ts on typed arrays. copyChannels, matMul and matMulAtB
// sum in the wasm kernels' order in float32, so both backends give the same bits; the conv
// ports are the plain loops (float64 sums), equal to the SIMD kernels up to rounding.

/** dst[r, dstOffset + c] = src[r, srcOffset + c] for c < channels, r < rows. */
export function copyChannels(
  src: Float32Array, srcStride: number, srcOffset: number,
  dst: Float32Array, dstStride: number, dstOffset: number,
  rows: number, channels: number,
): void {
  for (let r = 0; r < rows; r++) {
    const s = r * srcStride + srcOffset;
    dst.set(src.subarray(s, s + channels), r * dstStride + dstOffset);
  }
}

/** c[i, j] = sum over p, in order, of a[p, i] * b[p, j] (a: [rows, m], b: [rows, n]). */
export function matMulAtB(a: Float32Array, b: Float32Array, rows: number, m: number, n: number): Float32Array {
  const c = new Float32Array(m * n);
  for (let p = 0; p < rows; p++) {
    const pa = p * m;
    const pb = p * n;
    for (let i = 0; i < m; i++) {
      const av = a[pa + i];
      const ci = i * n;
      // The product rounded to float32 as wasm's f32x4.mul does; the store rounds the sum.
      for (let j = 0; j < n; j++) c[ci + j] += Math.fround(av * b[pb + j]);
    }
  }
  return c;
}

/** c[i, j] = sum over p, in order, of a[i, p] * b[p, j] (a: [rows, k], b: [k, n]). */
export function matMul(a: Float32Array, b: Float32Array, rows: number, k: number, n: number): Float32Array {
  const c = new Float32Array(rows * n);
  for (let i = 0; i < rows; i++) {
    const ci = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      const pb = p * n;
      // As in matMulAtB: the product rounded as f32x4.mul does, the sum by the store.
      for (let j = 0; j < n; j++) c[ci + j] += Math.fround(av * b[pb + j]);
    }
  }
  return c;
}

/** Geometry of a grouped conv (PyTorch's Conv2d(groups), NHWC, square kernel k). */
export interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  cin: number;
  groups: number;
  k: number;
  cout: number;
  stride: number;
  pad: number;
  oh: number;
  ow: number;
}

/** y[b, r, c, o] from x and w packed [cout][k][k][ci]; taps off the input skipped. */
export function groupConvForward(x: Float32Array, wt: Float32Array, g: ConvGeometry): Float32Array {
  const { n, h, w, cin, groups, k, cout, stride, pad, oh, ow } = g;
  const ci = cin / groups;
  const co = cout / groups;
  const y = new Float32Array(n * oh * ow * cout);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const out = ((b * oh + r) * ow + c) * cout;
        for (let o = 0; o < cout; o++) {
          const xg = Math.floor(o / co) * ci;
          let acc = 0;
          for (let kh = 0; kh < k; kh++) {
            const ih = r * stride + kh - pad;
            if (ih < 0 || ih >= h) continue;
            for (let kw = 0; kw < k; kw++) {
              const iw = c * stride + kw - pad;
              if (iw < 0 || iw >= w) continue;
              const px = ((b * h + ih) * w + iw) * cin + xg;
              const wp = ((o * k + kh) * k + kw) * ci;
              for (let i = 0; i < ci; i++) acc += x[px + i] * wt[wp + i];
            }
          }
          y[out + o] = acc;
        }
      }
    }
  }
  return y;
}

/** dx of groupConvForward from dy and w packed [k][k][cout][ci]. */
export function groupConvInputGrad(dy: Float32Array, wt: Float32Array, g: ConvGeometry): Float32Array {
  const { n, h, w, cin, groups, k, cout, stride, pad, oh, ow } = g;
  const ci = cin / groups;
  const co = cout / groups;
  const dx = new Float32Array(n * h * w * cin);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const d = ((b * oh + r) * ow + c) * cout;
        for (let kh = 0; kh < k; kh++) {
          const ih = r * stride + kh - pad;
          if (ih < 0 || ih >= h) continue;
          for (let kw = 0; kw < k; kw++) {
            const iw = c * stride + kw - pad;
            if (iw < 0 || iw >= w) continue;
            const px = ((b * h + ih) * w + iw) * cin;
            for (let o = 0; o < cout; o++) {
              const s = dy[d + o];
              const xg = px + Math.floor(o / co) * ci;
              const wp = ((kh * k + kw) * cout + o) * ci;
              for (let i = 0; i < ci; i++) dx[xg + i] += s * wt[wp + i];
            }
          }
        }
      }
    }
  }
  return dx;
}

/** dw of groupConvForward, packed [k][k][cout][ci]. */
export function groupConvFilterGrad(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float32Array {
  const { n, h, w, cin, groups, k, cout, stride, pad, oh, ow } = g;
  const ci = cin / groups;
  const co = cout / groups;
  const dw = new Float32Array(k * k * cout * ci);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const d = ((b * oh + r) * ow + c) * cout;
        for (let kh = 0; kh < k; kh++) {
          const ih = r * stride + kh - pad;
          if (ih < 0 || ih >= h) continue;
          for (let kw = 0; kw < k; kw++) {
            const iw = c * stride + kw - pad;
            if (iw < 0 || iw >= w) continue;
            const px = ((b * h + ih) * w + iw) * cin;
            for (let o = 0; o < cout; o++) {
              const s = dy[d + o];
              const xg = px + Math.floor(o / co) * ci;
              const wp = ((kh * k + kw) * cout + o) * ci;
              for (let i = 0; i < ci; i++) dw[wp + i] += s * x[xg + i];
            }
          }
        }
      }
    }
  }
  return dw;
}

/** Training BatchNorm statistics of rows of c channels: mean and biased variance. */
export function bnStats(x: Float32Array, c: number): { mean: Float32Array; variance: Float32Array } {
  const rows = x.length / c;
  const mean = new Float32Array(c);
  const variance = new Float32Array(c);
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[r * c + ch];
    const m = Math.fround(s / rows);
    let v = 0;
    for (let r = 0; r < rows; r++) {
      const d = x[r * c + ch] - m;
      v += d * d;
    }
    mean[ch] = m;
    variance[ch] = v / rows;
  }
  return { mean, variance };
}

/** Per-channel operands of the BatchNorm kernels. */
export interface BnChannels {
  mean: Float32Array;
  scale: Float32Array;
  beta: Float32Array;
  relu: boolean;
}

function normalised(x: number, ch: number, p: BnChannels): number {
  return (x - p.mean[ch]) * p.scale[ch] + p.beta[ch];
}

/** y = (x - mean) * scale + beta, rectified when `relu`. */
export function bnApply(x: Float32Array, p: BnChannels): Float32Array {
  const c = p.mean.length;
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const z = normalised(x[i], i % c, p);
    y[i] = p.relu ? Math.max(z, 0) : z;
  }
  return y;
}

/** Per channel: sum of dz and of dz * (x - mean), dz = dy * [z > 0] (dy without ReLU). */
export function bnBackwardSums(x: Float32Array, dy: Float32Array, p: BnChannels): { sumDz: Float32Array; sumDzCentered: Float32Array } {
  const c = p.mean.length;
  const sumDz = new Float64Array(c);
  const sumDzCentered = new Float64Array(c);
  for (let i = 0; i < x.length; i++) {
    const ch = i % c;
    const dz = p.relu && !(normalised(x[i], ch, p) > 0) ? 0 : dy[i];
    sumDz[ch] += dz;
    sumDzCentered[ch] += dz * (x[i] - p.mean[ch]);
  }
  return { sumDz: Float32Array.from(sumDz), sumDzCentered: Float32Array.from(sumDzCentered) };
}

/** dx = dz * scale + (x - mean) * kCentered + kConst, and the forward's output when `act`. */
export function bnBackwardApply(
  x: Float32Array, dy: Float32Array, p: BnChannels, kCentered: Float32Array, kConst: Float32Array, act: boolean,
): { dx: Float32Array; activation: Float32Array | null } {
  const c = p.mean.length;
  const dx = new Float32Array(x.length);
  const activation = act ? new Float32Array(x.length) : null;
  for (let i = 0; i < x.length; i++) {
    const ch = i % c;
    const z = normalised(x[i], ch, p);
    const dz = p.relu && !(z > 0) ? 0 : dy[i];
    dx[i] = dz * p.scale[ch] + (x[i] - p.mean[ch]) * kCentered[ch] + kConst[ch];
    if (activation) activation[i] = p.relu ? Math.max(z, 0) : z;
  }
  return { dx, activation };
}

/** Shape of a condensed 1x1 conv: rows (pixels), k kept channels per group, G groups, O outputs. */
export interface CondensedGeometry {
  rows: number;
  k: number;
  groups: number;
  out: number;
}

/** y[p, o] = sum over t < k of act[p, index[t * G + o % G]] * wq[t, o] (act: [rows, r]). */
export function condensedForward(act: Float32Array, r: number, index: Int32Array, wq: Float32Array, g: CondensedGeometry): Float32Array {
  const { rows, k, groups, out } = g;
  const y = new Float32Array(rows * out);
  for (let p = 0; p < rows; p++) {
    for (let o = 0; o < out; o++) {
      let acc = 0;
      for (let t = 0; t < k; t++) acc += act[p * r + index[t * groups + (o % groups)]] * wq[t * out + o];
      y[p * out + o] = acc;
    }
  }
  return y;
}

/** dx [rows, r]: dx[p, index[t * G + g]] += sum over o of group g of dy[p, o] * wq[t, o]. */
export function condensedInputGrad(dy: Float32Array, wq: Float32Array, index: Int32Array, r: number, g: CondensedGeometry): Float32Array {
  const { rows, k, groups, out } = g;
  const dx = new Float32Array(rows * r);
  for (let p = 0; p < rows; p++) {
    for (let t = 0; t < k; t++) {
      for (let gr = 0; gr < groups; gr++) {
        let acc = 0;
        for (let o = gr; o < out; o += groups) acc += dy[p * out + o] * wq[t * out + o];
        dx[p * r + index[t * groups + gr]] += acc;
      }
    }
  }
  return dx;
}

/** dwq[t, o] = sum over p of act[p, index[t * G + o % G]] * dy[p, o]. */
export function condensedFilterGrad(act: Float32Array, r: number, index: Int32Array, dy: Float32Array, g: CondensedGeometry): Float32Array {
  const { rows, k, groups, out } = g;
  const dwq = new Float64Array(k * out);
  for (let p = 0; p < rows; p++) {
    for (let t = 0; t < k; t++) {
      for (let o = 0; o < out; o++) dwq[t * out + o] += act[p * r + index[t * groups + (o % groups)]] * dy[p * out + o];
    }
  }
  return Float32Array.from(dwq);
}

/** out[i] = src[index[i]]. */
export function gatherFloats(src: Float32Array, index: Int32Array): Float32Array {
  return Float32Array.from(index, (j) => src[j]);
}

/** out[index[i]] = src[i], 0 elsewhere (size floats). */
export function scatterFloats(src: Float32Array, index: Int32Array, size: number): Float32Array {
  const out = new Float32Array(size);
  index.forEach((j, i) => {
    out[j] = src[i];
  });
  return out;
}
