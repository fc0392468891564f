// SIMD kernels for the training step, NHWC float32, compiled with `asc --enable simd
// --importMemory`: they run inside tfjs-wasm's own linear memory, on its tensors' byte
// offsets, so no activation is copied in or out. Nothing here allocates or has static data
// (a data segment would overwrite the host's memory at instantiation).

/**
 * out[r, outOffset + c] = src[r, srcOffset + c] for c < channels, over `rows` rows (row strides
 * in floats). Concatenating along channels is one call per input; its gradient one per output.
 * tfjs-wasm's Concat and SplitV copy element by element in JavaScript.
 */
export function copyChannels(
  src: usize, srcStride: i32, srcOffset: i32,
  dst: usize, dstStride: i32, dstOffset: i32,
  rows: i32, channels: i32,
): void {
  const bytes = <usize>channels << 2;
  const srcRow = <usize>srcStride << 2;
  const dstRow = <usize>dstStride << 2;
  let s = src + (<usize>srcOffset << 2);
  let d = dst + (<usize>dstOffset << 2);
  for (let r = 0; r < rows; r++) {
    memory.copy(d, s, bytes);
    s += srcRow;
    d += dstRow;
  }
}

// Rows of A and B per pass: both chunks stay in cache while every output tile sweeps them.
const CHUNK = 128;

/**
 * c[m, n] = sum_p a[p, m] * b[p, n] (a: [rows, m], b: [rows, n], c: [m, n], row-major):
 * the filter gradient of a 1x1 conv, activations^T x output gradient, without the transposed
 * copy of the activations and the repacking of b that tfjs-wasm's matMul costs there.
 * n must be a multiple of 4. Lanes run over n; a tile holds 4 rows of c by 8 (or 4) columns:
 * 8 accumulators, where 4 by 16 (16 accumulators, more than x64's 16 SIMD registers hold with
 * the operands) was ~25% slower in V8.
 */
export function matMulAtB(a: usize, b: usize, rows: i32, m: i32, n: i32, c: usize): void {
  memory.fill(c, 0, (<usize>m * <usize>n) << 2);
  const aRow = <usize>m << 2;
  const bRow = <usize>n << 2;
  for (let p0 = 0; p0 < rows; p0 += CHUNK) {
    const p1 = min(rows, p0 + CHUNK);
    let i = 0;
    for (; i + 3 < m; i += 4) {
      let j = 0;
      for (; j + 7 < n; j += 8) tile4x8(a, b, c, aRow, bRow, p0, p1, i, j);
      for (; j < n; j += 4) tile4x4(a, b, c, aRow, bRow, p0, p1, i, j);
    }
    for (; i < m; i++) {
      for (let j = 0; j < n; j += 4) tile1x4(a, b, c, aRow, bRow, p0, p1, i, j);
    }
  }
}

// @ts-ignore: decorator
@inline
function tile4x8(a: usize, b: usize, c: usize, aRow: usize, bRow: usize, p0: i32, p1: i32, i: i32, j: i32): void {
  const c0 = c + (<usize>i * bRow) + (<usize>j << 2);
  const c1 = c0 + bRow, c2 = c1 + bRow, c3 = c2 + bRow;
  let x00 = v128.load(c0), x01 = v128.load(c0, 16);
  let x10 = v128.load(c1), x11 = v128.load(c1, 16);
  let x20 = v128.load(c2), x21 = v128.load(c2, 16);
  let x30 = v128.load(c3), x31 = v128.load(c3, 16);
  let pa = a + <usize>p0 * aRow + (<usize>i << 2);
  let pb = b + <usize>p0 * bRow + (<usize>j << 2);
  for (let p = p0; p < p1; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    x00 = f32x4.add(x00, f32x4.mul(a0, b0)); x01 = f32x4.add(x01, f32x4.mul(a0, b1));
    const a1 = v128.load32_splat(pa, 4);
    x10 = f32x4.add(x10, f32x4.mul(a1, b0)); x11 = f32x4.add(x11, f32x4.mul(a1, b1));
    const a2 = v128.load32_splat(pa, 8);
    x20 = f32x4.add(x20, f32x4.mul(a2, b0)); x21 = f32x4.add(x21, f32x4.mul(a2, b1));
    const a3 = v128.load32_splat(pa, 12);
    x30 = f32x4.add(x30, f32x4.mul(a3, b0)); x31 = f32x4.add(x31, f32x4.mul(a3, b1));
    pa += aRow;
    pb += bRow;
  }
  v128.store(c0, x00); v128.store(c0, x01, 16);
  v128.store(c1, x10); v128.store(c1, x11, 16);
  v128.store(c2, x20); v128.store(c2, x21, 16);
  v128.store(c3, x30); v128.store(c3, x31, 16);
}

// @ts-ignore: decorator
@inline
function tile4x4(a: usize, b: usize, c: usize, aRow: usize, bRow: usize, p0: i32, p1: i32, i: i32, j: i32): void {
  const c0 = c + (<usize>i * bRow) + (<usize>j << 2);
  const c1 = c0 + bRow, c2 = c1 + bRow, c3 = c2 + bRow;
  let x0 = v128.load(c0), x1 = v128.load(c1), x2 = v128.load(c2), x3 = v128.load(c3);
  let pa = a + <usize>p0 * aRow + (<usize>i << 2);
  let pb = b + <usize>p0 * bRow + (<usize>j << 2);
  for (let p = p0; p < p1; p++) {
    const bv = v128.load(pb);
    x0 = f32x4.add(x0, f32x4.mul(f32x4.splat(load<f32>(pa)), bv));
    x1 = f32x4.add(x1, f32x4.mul(f32x4.splat(load<f32>(pa, 4)), bv));
    x2 = f32x4.add(x2, f32x4.mul(f32x4.splat(load<f32>(pa, 8)), bv));
    x3 = f32x4.add(x3, f32x4.mul(f32x4.splat(load<f32>(pa, 12)), bv));
    pa += aRow;
    pb += bRow;
  }
  v128.store(c0, x0); v128.store(c1, x1); v128.store(c2, x2); v128.store(c3, x3);
}

// @ts-ignore: decorator
@inline
function tile1x4(a: usize, b: usize, c: usize, aRow: usize, bRow: usize, p0: i32, p1: i32, i: i32, j: i32): void {
  const c0 = c + (<usize>i * bRow) + (<usize>j << 2);
  let x0 = v128.load(c0);
  let pa = a + <usize>p0 * aRow + (<usize>i << 2);
  let pb = b + <usize>p0 * bRow + (<usize>j << 2);
  for (let p = p0; p < p1; p++) {
    x0 = f32x4.add(x0, f32x4.mul(f32x4.splat(load<f32>(pa)), v128.load(pb)));
    pa += aRow;
    pb += bRow;
  }
  v128.store(c0, x0);
}

/**
 * c[i, j] = sum over p, in order, of a[i, p] * b[p, j] (a: [rows, k], b: [k, n], c: [rows, n],
 * row-major): a 1x1 conv's forward (activations x weight) and input gradient (output gradient x
 * the weight transposed), in tfjs-wasm's summation order (the same bits) at 1.2-1.5x its rate
 * on the training shapes (perf/RESULTS.md). n must be a multiple of 4; scratch holds k * n
 * floats. Tiles of 4 rows by 8 columns, as matMulAtB's.
 */
export function matMul(a: usize, b: usize, rows: i32, k: i32, n: i32, c: usize, scratch: usize): void {
  const aRow = <usize>k << 2;
  const bRow = <usize>n << 2;
  // b packed strip by strip (8 columns, then 4): each tile then reads its strip as one
  // contiguous run instead of 32 bytes per row of b.
  let at = scratch;
  let j = 0;
  for (; j + 7 < n; j += 8) {
    let pb = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      v128.store(at, v128.load(pb)); v128.store(at, v128.load(pb, 16), 16);
      at += 32;
      pb += bRow;
    }
  }
  for (; j < n; j += 4) {
    let pb = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      v128.store(at, v128.load(pb));
      at += 16;
      pb += bRow;
    }
  }
  const wide = n & ~7;
  let i = 0;
  for (; i + 3 < rows; i += 4) {
    let strip = scratch;
    j = 0;
    for (; j < wide; j += 8) {
      rowsTile4x8(a, strip, c, aRow, bRow, k, i, j);
      strip += <usize>k << 5;
    }
    for (; j < n; j += 4) {
      rowsTile4x4(a, strip, c, aRow, bRow, k, i, j);
      strip += <usize>k << 4;
    }
  }
  for (; i < rows; i++) {
    let strip = scratch;
    j = 0;
    for (; j < wide; j += 8) {
      rowsTile1x4(a, strip, 32, c, bRow, k, i, j);
      rowsTile1x4(a, strip + 16, 32, c, bRow, k, i, j + 4);
      strip += <usize>k << 5;
    }
    for (; j < n; j += 4) {
      rowsTile1x4(a, strip, 16, c, bRow, k, i, j);
      strip += <usize>k << 4;
    }
  }
}

// Rows i..i+3 by columns j..j+7 of c, from the packed strip bp ([k][8]).
// @ts-ignore: decorator
@inline
function rowsTile4x8(a: usize, bp: usize, c: usize, aRow: usize, cRow: usize, k: i32, i: i32, j: i32): void {
  let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x10 = f32x4.splat(0), x11 = f32x4.splat(0);
  let x20 = f32x4.splat(0), x21 = f32x4.splat(0), x30 = f32x4.splat(0), x31 = f32x4.splat(0);
  let pa = a + <usize>i * aRow;
  let pb = bp;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    x00 = f32x4.add(x00, f32x4.mul(a0, b0)); x01 = f32x4.add(x01, f32x4.mul(a0, b1));
    const a1 = v128.load32_splat(pa + aRow);
    x10 = f32x4.add(x10, f32x4.mul(a1, b0)); x11 = f32x4.add(x11, f32x4.mul(a1, b1));
    const a2 = v128.load32_splat(pa + 2 * aRow);
    x20 = f32x4.add(x20, f32x4.mul(a2, b0)); x21 = f32x4.add(x21, f32x4.mul(a2, b1));
    const a3 = v128.load32_splat(pa + 3 * aRow);
    x30 = f32x4.add(x30, f32x4.mul(a3, b0)); x31 = f32x4.add(x31, f32x4.mul(a3, b1));
    pa += 4;
    pb += 32;
  }
  const c0 = c + <usize>i * cRow + (<usize>j << 2);
  const c1 = c0 + cRow, c2 = c1 + cRow, c3 = c2 + cRow;
  v128.store(c0, x00); v128.store(c0, x01, 16);
  v128.store(c1, x10); v128.store(c1, x11, 16);
  v128.store(c2, x20); v128.store(c2, x21, 16);
  v128.store(c3, x30); v128.store(c3, x31, 16);
}

// Rows i..i+3 by columns j..j+3, from the packed strip bp ([k][4]).
// @ts-ignore: decorator
@inline
function rowsTile4x4(a: usize, bp: usize, c: usize, aRow: usize, cRow: usize, k: i32, i: i32, j: i32): void {
  let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
  let pa = a + <usize>i * aRow;
  let pb = bp;
  for (let p = 0; p < k; p++) {
    const bv = v128.load(pb);
    x0 = f32x4.add(x0, f32x4.mul(v128.load32_splat(pa), bv));
    x1 = f32x4.add(x1, f32x4.mul(v128.load32_splat(pa + aRow), bv));
    x2 = f32x4.add(x2, f32x4.mul(v128.load32_splat(pa + 2 * aRow), bv));
    x3 = f32x4.add(x3, f32x4.mul(v128.load32_splat(pa + 3 * aRow), bv));
    pa += 4;
    pb += 16;
  }
  const c0 = c + <usize>i * cRow + (<usize>j << 2);
  v128.store(c0, x0); v128.store(c0 + cRow, x1); v128.store(c0 + 2 * cRow, x2); v128.store(c0 + 3 * cRow, x3);
}

// Row i by columns j..j+3, from packed rows of `step` bytes (the strip's width).
// @ts-ignore: decorator
@inline
function rowsTile1x4(a: usize, bp: usize, step: usize, c: usize, cRow: usize, k: i32, i: i32, j: i32): void {
  let x0 = f32x4.splat(0);
  let pa = a + <usize>i * (<usize>k << 2);
  let pb = bp;
  for (let p = 0; p < k; p++) {
    x0 = f32x4.add(x0, f32x4.mul(v128.load32_splat(pa), v128.load(pb)));
    pa += 4;
    pb += step;
  }
  v128.store(c + <usize>i * cRow + (<usize>j << 2), x0);
}

// [sum(a), sum(b), sum(c), sum(d)]
// @ts-ignore: decorator
@inline
function horizontalSums(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 1, 4, 5), v128.shuffle<f32>(a, b, 2, 3, 6, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 1, 4, 5), v128.shuffle<f32>(c, d, 2, 3, 6, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 2, 4, 6), v128.shuffle<f32>(ab, cd, 1, 3, 5, 7));
}

// First tap index t in [0, k) with 0 <= (at + pad - t) / stride < size exactly, stepping by
// stride: taps whose output (or input) position is off the map or between strides are never
// visited, so the loops carry no bounds tests. Returns [first, last] packed as first | last << 16.
// @ts-ignore: decorator
@inline
function tapRange(at: i32, pad: i32, stride: i32, size: i32, k: i32): i32 {
  const top = at + pad;
  const lo = max(0, top - (size - 1) * stride);
  const first = lo + (top - lo) % stride;
  const last = min(k - 1, top);
  return first | (last << 16);
}

/**
 * PyTorch's Conv2d(groups) forward, NHWC: y[b, r, c, o] = sum over taps and i < ci of
 * x[b, r*stride + kh - pad, c*stride + kw - pad, g(o)*ci + i] * w[o, kh, kw, i], taps off the
 * input skipped (zero padding). w is packed [cout][k][k][ci]. Lanes run over a group's input
 * channels; four output channels (possibly of different groups) are accumulated together and
 * reduced with one transpose-add. ci and cout must be multiples of 4, cout / groups even.
 *
 * The columns whose every tap lies on the input (all but the borders) go two at a time, so
 * each weight vector loaded feeds two pixels; with co a multiple of 4 the four outputs share
 * a group and each input vector loaded feeds four of them.
 */
export function groupConvForward(
  x: usize, n: i32, h: i32, w: i32, cin: i32, groups: i32,
  wt: usize, k: i32, cout: i32, stride: i32, pad: i32,
  y: usize, oh: i32, ow: i32,
): void {
  if ((cout / groups) % 4 == 0) convForwardRows(true, x, n, h, w, cin, groups, wt, k, cout, stride, pad, y, oh, ow);
  else convForwardRows(false, x, n, h, w, cin, groups, wt, k, cout, stride, pad, y, oh, ow);
}

// @ts-ignore: decorator
@inline
function convForwardRows(
  shared: bool,
  x: usize, n: i32, h: i32, w: i32, cin: i32, groups: i32,
  wt: usize, k: i32, cout: i32, stride: i32, pad: i32,
  y: usize, oh: i32, ow: i32,
): void {
  const ci = cin / groups;
  const co = cout / groups;
  const ciBytes = <usize>ci << 2;
  const filterBytes = ciBytes * <usize>(k * k);
  const pix = <usize>cin << 2;
  const rowBytes = <usize>w * pix;
  const step = <usize>stride * pix;
  const outPix = <usize>cout << 2;
  // Columns [inFirst, inEnd) have every kw tap on the input.
  const inFirst = min(ow, (pad + stride - 1) / stride);
  const lastFull = w - k + pad;
  const inEnd = lastFull < 0 ? inFirst : max(inFirst, min(ow, lastFull / stride + 1));
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      const ih0 = r * stride - pad;
      const khLo = max(0, -ih0);
      const khHi = min(k, h - ih0);
      // x at tap (0, 0) of column 0, which may lie off the image (the address wraps around):
      // only taps on it are read.
      const origin = x + <usize>((b * h + ih0) * w - pad) * pix;
      const outRow = y + <usize>((b * oh + r) * ow) * outPix;
      for (let o = 0; o < cout; o += 4) {
        // co is even, so outputs o and o+1 share a group, as do o+2 and o+3.
        const g0 = <usize>(o / co) * ciBytes;
        const g2 = <usize>((o + 2) / co) * ciBytes;
        const wo = wt + <usize>o * filterBytes;
        const out = outRow + (<usize>o << 2);
        let c = 0;
        for (; c < inFirst; c++) {
          const iw0 = c * stride - pad;
          forwardTile(1, shared, origin + <usize>(c * stride) * pix, step, g0, g2, wo, filterBytes, ciBytes,
            rowBytes, pix, k, khLo, khHi, max(0, -iw0), min(k, w - iw0), out + <usize>c * outPix, outPix);
        }
        for (; c + 1 < inEnd; c += 2) {
          forwardTile(2, shared, origin + <usize>(c * stride) * pix, step, g0, g2, wo, filterBytes, ciBytes,
            rowBytes, pix, k, khLo, khHi, 0, k, out + <usize>c * outPix, outPix);
        }
        for (; c < ow; c++) {
          const iw0 = c * stride - pad;
          forwardTile(1, shared, origin + <usize>(c * stride) * pix, step, g0, g2, wo, filterBytes, ciBytes,
            rowBytes, pix, k, khLo, khHi, max(0, -iw0), min(k, w - iw0), out + <usize>c * outPix, outPix);
        }
      }
    }
  }
}

// Outputs o..o+3 of `pixels` (1 or 2) pixels `step` bytes apart, over taps [khLo, khHi) x
// [kwLo, kwHi); `px` is the first pixel's x at tap (0, 0), g0 the byte offset of outputs o and
// o+1's group, g2 that of o+2 and o+3's. `shared`: all four in one group (g0 == g2).
// @ts-ignore: decorator
@inline
function forwardTile(
  pixels: i32, shared: bool, px: usize, step: usize, g0: usize, g2: usize,
  wo: usize, filterBytes: usize, ciBytes: usize, rowBytes: usize, pix: usize, k: i32,
  khLo: i32, khHi: i32, kwLo: i32, kwHi: i32, out: usize, outStep: usize,
): void {
  const f2 = filterBytes << 1;
  const f3 = f2 + filterBytes;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  for (let kh = khLo; kh < khHi; kh++) {
    const row = px + <usize>kh * rowBytes;
    const wrow = wo + <usize>(kh * k) * ciBytes;
    for (let kw = kwLo; kw < kwHi; kw++) {
      const p = row + <usize>kw * pix;
      const q = p + step;
      const wtap = wrow + <usize>kw * ciBytes;
      // Each weight vector is loaded just before its two products (11 vectors live, not 13
      // with all four loaded first; x64 has 16 SIMD registers): ~5% faster in V8.
      for (let i: usize = 0; i < ciBytes; i += 16) {
        const wi = wtap + i;
        const x0 = v128.load(p + g0 + i);
        const x1 = pixels > 1 ? v128.load(q + g0 + i) : x0;
        const x2 = shared ? x0 : v128.load(p + g2 + i);
        const x3 = shared || pixels < 2 ? x1 : v128.load(q + g2 + i);
        let wv = v128.load(wi);
        a0 = f32x4.add(a0, f32x4.mul(x0, wv));
        if (pixels > 1) b0 = f32x4.add(b0, f32x4.mul(x1, wv));
        wv = v128.load(wi + filterBytes);
        a1 = f32x4.add(a1, f32x4.mul(x0, wv));
        if (pixels > 1) b1 = f32x4.add(b1, f32x4.mul(x1, wv));
        wv = v128.load(wi + f2);
        a2 = f32x4.add(a2, f32x4.mul(x2, wv));
        if (pixels > 1) b2 = f32x4.add(b2, f32x4.mul(x3, wv));
        wv = v128.load(wi + f3);
        a3 = f32x4.add(a3, f32x4.mul(x2, wv));
        if (pixels > 1) b3 = f32x4.add(b3, f32x4.mul(x3, wv));
      }
    }
  }
  v128.store(out, horizontalSums(a0, a1, a2, a3));
  if (pixels > 1) v128.store(out + outStep, horizontalSums(b0, b1, b2, b3));
}

/**
 * Input gradient of groupConvForward: dx[b, r, c, g*ci + i] = sum over taps and j < co of
 * dy[b, (r + pad - kh) / stride, (c + pad - kw) / stride, g*co + j] * w[kh, kw, g*co + j, i]
 * over the taps that land on an output. w is packed [k][k][cout][ci]. Lanes run over input
 * channels, 16, 8 or 4 per pass; at stride 1 the columns whose every tap lands on dy go 2 or
 * 4 at a time (8 accumulators), so each weight vector loaded feeds several pixels. ci must be
 * a multiple of 4.
 */
export function groupConvInputGrad(
  dy: usize, oh: i32, ow: i32, cout: i32, groups: i32,
  wt: usize, k: i32, stride: i32, pad: i32,
  dx: usize, n: i32, h: i32, w: i32, cin: i32,
): void {
  const ci = cin / groups;
  const co = cout / groups;
  const ciBytes = <usize>ci << 2;
  const dyPix = <usize>cout << 2;
  // Columns [inFirst, inEnd) take every kw tap (stride 1 only: at stride 2 neighbours take
  // different taps).
  const inFirst = stride == 1 ? min(w, max(0, k - 1 - pad)) : w;
  const inEnd = stride == 1 ? max(inFirst, min(w, ow - pad)) : w;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      const khs = tapRange(r, pad, stride, oh, k);
      const khFirst = khs & 0xffff, khLast = khs >> 16;
      const out = dx + (<usize>((b * h + r) * w) * <usize>cin << 2);
      for (let g = 0; g < groups; g++) {
        const dyGroup = dy + (<usize>(g * co) << 2);
        const wGroup = wt + <usize>(g * co) * ciBytes;
        const outGroup = out + (<usize>(g * ci) << 2);
        let i: usize = 0;
        for (; i + 64 <= ciBytes; i += 64) {
          inputGradRow(2, 4, dyGroup, wGroup + i, outGroup + i, ciBytes, b, r, oh, ow, co, cout, k, stride, pad, w, cin,
            khFirst, khLast, inFirst, inEnd);
        }
        for (; i + 32 <= ciBytes; i += 32) {
          inputGradRow(4, 2, dyGroup, wGroup + i, outGroup + i, ciBytes, b, r, oh, ow, co, cout, k, stride, pad, w, cin,
            khFirst, khLast, inFirst, inEnd);
        }
        for (; i < ciBytes; i += 16) {
          inputGradRow(4, 1, dyGroup, wGroup + i, outGroup + i, ciBytes, b, r, oh, ow, co, cout, k, stride, pad, w, cin,
            khFirst, khLast, inFirst, inEnd);
        }
      }
    }
  }
}

// One row of dx for `vectors` x 4 channels of a group: border columns one at a time over their
// taps, interior ones `pixels` at a time over all k x k.
// @ts-ignore: decorator
@inline
function inputGradRow(
  pixels: i32, vectors: i32, dyGroup: usize, wGroup: usize, outGroup: usize, ciBytes: usize,
  b: i32, r: i32, oh: i32, ow: i32, co: i32, cout: i32, k: i32, stride: i32, pad: i32, w: i32, cin: i32,
  khFirst: i32, khLast: i32, inFirst: i32, inEnd: i32,
): void {
  const dxPix = <usize>cin << 2;
  let c = 0;
  for (; c < inFirst; c++) {
    const kws = tapRange(c, pad, stride, ow, k);
    inputGradTile(1, vectors, dyGroup, wGroup, outGroup + <usize>c * dxPix, dxPix, ciBytes, b, r, c, oh, ow, co, cout, k, stride, pad,
      khFirst, khLast, kws & 0xffff, kws >> 16);
  }
  for (; c + pixels <= inEnd; c += pixels) {
    inputGradTile(pixels, vectors, dyGroup, wGroup, outGroup + <usize>c * dxPix, dxPix, ciBytes, b, r, c, oh, ow, co, cout, k, 1, pad,
      khFirst, khLast, 0, k - 1);
  }
  for (; c < w; c++) {
    const kws = tapRange(c, pad, stride, ow, k);
    inputGradTile(1, vectors, dyGroup, wGroup, outGroup + <usize>c * dxPix, dxPix, ciBytes, b, r, c, oh, ow, co, cout, k, stride, pad,
      khFirst, khLast, kws & 0xffff, kws >> 16);
  }
}

// dx at `pixels` (1, 2 or 4; more than 1 at stride 1 only) consecutive columns from c,
// `vectors` (1, 2 or 4) vectors of channels from wGroup's / out's channel, over taps
// kh = khFirst..khLast, kw = kwFirst..kwLast stepping by stride.
// @ts-ignore: decorator
@inline
function inputGradTile(
  pixels: i32, vectors: i32, dyGroup: usize, wGroup: usize, out: usize, dxPix: usize, ciBytes: usize,
  b: i32, r: i32, c: i32, oh: i32, ow: i32, co: i32, cout: i32, k: i32, stride: i32, pad: i32,
  khFirst: i32, khLast: i32, kwFirst: i32, kwLast: i32,
): void {
  const dyPix = <usize>cout << 2;
  const tapBytes = <usize>cout * ciBytes;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  for (let kh = khFirst; kh <= khLast; kh += stride) {
    const dyRow = dyGroup + <usize>((b * oh + (r + pad - kh) / stride) * ow) * dyPix;
    const wRow = wGroup + <usize>(kh * k) * tapBytes;
    for (let kw = kwFirst; kw <= kwLast; kw += stride) {
      const d = dyRow + <usize>((c + pad - kw) / stride) * dyPix;
      let wj = wRow + <usize>kw * tapBytes;
      const end = d + (<usize>co << 2);
      // At most 11 vectors live (x64 has 16 SIMD registers): with 4 vectors the pixels' dy
      // first, then each weight vector just before its products (~10% faster in V8 than
      // loading all four weight vectors first); with fewer, the weights first.
      for (let dj = d; dj < end; dj += 4) {
        if (vectors > 2) {
          const s0 = v128.load32_splat(dj);
          const s1 = pixels > 1 ? v128.load32_splat(dj + dyPix) : s0;
          let wv = v128.load(wj);
          a0 = f32x4.add(a0, f32x4.mul(s0, wv));
          if (pixels > 1) b0 = f32x4.add(b0, f32x4.mul(s1, wv));
          wv = v128.load(wj, 16);
          a1 = f32x4.add(a1, f32x4.mul(s0, wv));
          if (pixels > 1) b1 = f32x4.add(b1, f32x4.mul(s1, wv));
          wv = v128.load(wj, 32);
          a2 = f32x4.add(a2, f32x4.mul(s0, wv));
          if (pixels > 1) b2 = f32x4.add(b2, f32x4.mul(s1, wv));
          wv = v128.load(wj, 48);
          a3 = f32x4.add(a3, f32x4.mul(s0, wv));
          if (pixels > 1) b3 = f32x4.add(b3, f32x4.mul(s1, wv));
        } else {
          // Pixel p takes a(2p), a(2p+1) for p < 2, b(2p - 4), b(2p - 3) after.
          const w0 = v128.load(wj);
          const w1 = vectors > 1 ? v128.load(wj, 16) : w0;
          let sv = v128.load32_splat(dj);
          a0 = f32x4.add(a0, f32x4.mul(sv, w0));
          if (vectors > 1) a1 = f32x4.add(a1, f32x4.mul(sv, w1));
          if (pixels > 1) {
            sv = v128.load32_splat(dj + dyPix);
            a2 = f32x4.add(a2, f32x4.mul(sv, w0));
            if (vectors > 1) a3 = f32x4.add(a3, f32x4.mul(sv, w1));
          }
          if (pixels > 2) {
            sv = v128.load32_splat(dj + (dyPix << 1));
            b0 = f32x4.add(b0, f32x4.mul(sv, w0));
            if (vectors > 1) b1 = f32x4.add(b1, f32x4.mul(sv, w1));
            sv = v128.load32_splat(dj + (dyPix << 1) + dyPix);
            b2 = f32x4.add(b2, f32x4.mul(sv, w0));
            if (vectors > 1) b3 = f32x4.add(b3, f32x4.mul(sv, w1));
          }
        }
        wj += ciBytes;
      }
    }
  }
  v128.store(out, a0);
  if (vectors > 1) v128.store(out, a1, 16);
  if (vectors > 2) {
    v128.store(out, a2, 32); v128.store(out, a3, 48);
    if (pixels > 1) {
      const o1 = out + dxPix;
      v128.store(o1, b0); v128.store(o1, b1, 16); v128.store(o1, b2, 32); v128.store(o1, b3, 48);
    }
  } else {
    if (pixels > 1) {
      v128.store(out + dxPix, a2);
      if (vectors > 1) v128.store(out + dxPix, a3, 16);
    }
    if (pixels > 2) {
      const o2 = out + (dxPix << 1);
      v128.store(o2, b0);
      v128.store(o2 + dxPix, b2);
      if (vectors > 1) {
        v128.store(o2, b1, 16);
        v128.store(o2 + dxPix, b3, 16);
      }
    }
  }
}

// Outputs r >= 0 with r * stride < end (none when end <= 0; i32 division truncates toward 0).
// @ts-ignore: decorator
@inline
function outputsBefore(end: i32, stride: i32): i32 {
  return end <= 0 ? 0 : (end - 1) / stride + 1;
}

// Output pixels per pass of the filter gradient: each pass's x and dy stay in cache while every
// tap and output tile sweeps them (sweeping the whole batch per tile took 2-2.4x as long on the
// quick start's 14x14 maps; 64 to 256 pixels per pass time alike).
const FILTER_GRAD_PIXELS = 256;

/**
 * Filter gradient of groupConvForward, packed [k][k][cout][ci]: dw[kh, kw, o, i] = sum over
 * the outputs (b, r, c) whose tap lands on the input of dy[b, r, c, o] *
 * x[b, r*stride + kh - pad, c*stride + kw - pad, g(o)*ci + i]. Passes over a few whole images
 * at a time; within one, a tile is two outputs of one group by 16, 8 or 4 input channels,
 * swept over the pass's pixels and added into dw. ci a multiple of 4, cout / groups even.
 */
export function groupConvFilterGrad(
  x: usize, n: i32, h: i32, w: i32, cin: i32, groups: i32,
  dy: usize, oh: i32, ow: i32, cout: i32, k: i32, stride: i32, pad: i32,
  dw: usize,
): void {
  const ci = cin / groups;
  const co = cout / groups;
  const ciBytes = <usize>ci << 2;
  memory.fill(dw, 0, <usize>(k * k * cout) * ciBytes);
  const images = max(1, FILTER_GRAD_PIXELS / max(1, oh * ow));
  for (let b0 = 0; b0 < n; b0 += images) {
    const b1 = min(n, b0 + images);
    for (let kh = 0; kh < k; kh++) {
      const rLo = max(0, (pad - kh + stride - 1) / stride);
      const rHi = min(oh, outputsBefore(h + pad - kh, stride));
      for (let kw = 0; kw < k; kw++) {
        const cLo = max(0, (pad - kw + stride - 1) / stride);
        const cHi = min(ow, outputsBefore(w + pad - kw, stride));
        if (rLo >= rHi || cLo >= cHi) continue;
        for (let o = 0; o < cout; o += 2) {
          const xo = x + <usize>(o / co) * ciBytes;
          const out = dw + <usize>((kh * k + kw) * cout + o) * ciBytes;
          let i: usize = 0;
          for (; i + 64 <= ciBytes; i += 64) {
            filterGradTile(4, xo + i, dy + (<usize>o << 2), out + i, ciBytes, b0, b1, h, w, cin, oh, ow, cout, kh, kw,
              stride, pad, rLo, rHi, cLo, cHi);
          }
          for (; i + 32 <= ciBytes; i += 32) {
            filterGradTile(2, xo + i, dy + (<usize>o << 2), out + i, ciBytes, b0, b1, h, w, cin, oh, ow, cout, kh, kw,
              stride, pad, rLo, rHi, cLo, cHi);
          }
          for (; i < ciBytes; i += 16) {
            filterGradTile(1, xo + i, dy + (<usize>o << 2), out + i, ciBytes, b0, b1, h, w, cin, oh, ow, cout, kh, kw,
              stride, pad, rLo, rHi, cLo, cHi);
          }
        }
      }
    }
  }
}

// dw at two outputs (rows `out` and out + ciBytes) by `vectors` x 4 input channels, one tap,
// summed over images [b0, b1), rows [rLo, rHi), columns [cLo, cHi) and added into dw.
// @ts-ignore: decorator
@inline
function filterGradTile(
  vectors: i32, xc: usize, dyo: usize, out: usize, ciBytes: usize,
  b0: i32, b1: i32, h: i32, w: i32, cin: i32, oh: i32, ow: i32, cout: i32, kh: i32, kw: i32,
  stride: i32, pad: i32, rLo: i32, rHi: i32, cLo: i32, cHi: i32,
): void {
  const pix = <usize>cin << 2;
  const dyPix = <usize>cout << 2;
  const step = <usize>stride * pix;
  const span = <usize>(cHi - cLo) * dyPix;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0v = f32x4.splat(0), b1v = f32x4.splat(0), b2v = f32x4.splat(0), b3v = f32x4.splat(0);
  for (let bi = b0; bi < b1; bi++) {
    for (let r = rLo; r < rHi; r++) {
      let px = xc + <usize>((bi * h + r * stride + kh - pad) * w + cLo * stride + kw - pad) * pix;
      const d0 = dyo + <usize>((bi * oh + r) * ow + cLo) * dyPix;
      const end = d0 + span;
      for (let d = d0; d < end; d += dyPix) {
        const s = v128.load32_splat(d), t = v128.load32_splat(d, 4);
        const x0 = v128.load(px);
        a0 = f32x4.add(a0, f32x4.mul(s, x0)); b0v = f32x4.add(b0v, f32x4.mul(t, x0));
        if (vectors > 1) {
          const x1 = v128.load(px, 16);
          a1 = f32x4.add(a1, f32x4.mul(s, x1)); b1v = f32x4.add(b1v, f32x4.mul(t, x1));
        }
        if (vectors > 2) {
          const x2 = v128.load(px, 32), x3 = v128.load(px, 48);
          a2 = f32x4.add(a2, f32x4.mul(s, x2)); b2v = f32x4.add(b2v, f32x4.mul(t, x2));
          a3 = f32x4.add(a3, f32x4.mul(s, x3)); b3v = f32x4.add(b3v, f32x4.mul(t, x3));
        }
        px += step;
      }
    }
  }
  const o1 = out + ciBytes;
  v128.store(out, f32x4.add(v128.load(out), a0));
  v128.store(o1, f32x4.add(v128.load(o1), b0v));
  if (vectors > 1) {
    v128.store(out, f32x4.add(v128.load(out, 16), a1), 16);
    v128.store(o1, f32x4.add(v128.load(o1, 16), b1v), 16);
  }
  if (vectors > 2) {
    v128.store(out, f32x4.add(v128.load(out, 32), a2), 32);
    v128.store(o1, f32x4.add(v128.load(o1, 32), b2v), 32);
    v128.store(out, f32x4.add(v128.load(out, 48), a3), 48);
    v128.store(o1, f32x4.add(v128.load(o1, 48), b3v), 48);
  }
}

// Rows summed into one partial before it joins the total: float32 sums over 10^5 pixels keep
// ~(256 + rows / 256) roundings instead of ~rows.
const BLOCK = 256;

// @ts-ignore: decorator
@inline
function normalise(x: v128, mean: v128, scale: v128, beta: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.sub(x, mean), scale), beta);
}

// out[ch] = inv * the sum over all rows of x[r, ch] (minus centre[ch], squared, when `squares`):
// the rows of each block summed into partials (scratch, c floats) before they join the totals in
// out, so that the map is read row after row, as it lies in memory. A sweep down 16 channels
// at a time, the partials in registers, read each row's line at a stride and ran at a third of
// the rate on wide maps (perf/RESULTS.md). Per channel the sums are the same: the block's rows
// in order from 0, then the block's sum added to the total.
// @ts-ignore: decorator
@inline
function rowSums(x: usize, rows: i32, rowBytes: usize, centre: usize, squares: bool, inv: v128, out: usize, scratch: usize): void {
  memory.fill(out, 0, rowBytes);
  let at = x;
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = min(rows, r0 + BLOCK);
    memory.fill(scratch, 0, rowBytes);
    for (let r = r0; r < r1; r++) {
      for (let ch: usize = 0; ch < rowBytes; ch += 16) {
        const v = v128.load(at + ch);
        const t = squares ? squareOff(v, v128.load(centre + ch)) : v;
        v128.store(scratch + ch, f32x4.add(v128.load(scratch + ch), t));
      }
      at += rowBytes;
    }
    for (let ch: usize = 0; ch < rowBytes; ch += 16) v128.store(out + ch, f32x4.add(v128.load(out + ch), v128.load(scratch + ch)));
  }
  for (let ch: usize = 0; ch < rowBytes; ch += 16) v128.store(out + ch, f32x4.mul(v128.load(out + ch), inv));
}

// @ts-ignore: decorator
@inline
function squareOff(v: v128, m: v128): v128 {
  const d = f32x4.sub(v, m);
  return f32x4.mul(d, d);
}

/**
 * Training BatchNorm statistics over rows of c channels (c a multiple of 4): mean and biased
 * variance (two passes, the variance from centred values). Lanes over channels; scratch holds
 * c floats.
 */
export function bnStats(x: usize, rows: i32, c: i32, mean: usize, variance: usize, scratch: usize): void {
  const rowBytes = <usize>c << 2;
  const inv = f32x4.splat(1 / <f32>rows);
  rowSums(x, rows, rowBytes, 0, false, inv, mean, scratch);
  rowSums(x, rows, rowBytes, mean, true, inv, variance, scratch);
}

/**
 * y = (x - mean) * scale + beta, rectified when `relu` (scale = gamma / sqrt(var + eps)). The
 * ReLU is f32x4.pmax (z < 0 ? 0 : z), one maxps on x64, where f32x4.max's NaN and signed-zero
 * rules cost V8 six more instructions a vector; they differ only on -0 and NaN, both kept.
 */
export function bnApply(x: usize, rows: i32, c: i32, mean: usize, scale: usize, beta: usize, relu: bool, y: usize): void {
  const all = <usize>c << 2;
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * all;
    for (let ch: usize = 0; ch < all; ch += 16) {
      const z = normalise(v128.load(x + row + ch), v128.load(mean + ch), v128.load(scale + ch), v128.load(beta + ch));
      v128.store(y + row + ch, relu ? f32x4.pmax(z, zero) : z);
    }
  }
}

// The gradient reaching BN's output: dy where the ReLU passed (z > 0), dy itself without ReLU.
// @ts-ignore: decorator
@inline
function gradAtNorm(dy: v128, z: v128, relu: bool): v128 {
  return relu ? v128.and(dy, f32x4.gt(z, f32x4.splat(0))) : dy;
}

/**
 * First pass of BatchNorm's (+ ReLU's) backward: per channel, sum of dz and of dz * (x - mean),
 * dz = dy * [z > 0], z recomputed from x. Row after row, as bnStats (scratch: 2 * c floats,
 * the block's partials).
 */
export function bnBackwardSums(
  x: usize, dy: usize, rows: i32, c: i32, mean: usize, scale: usize, beta: usize, relu: bool,
  sumDz: usize, sumDzCentered: usize, scratch: usize,
): void {
  const rowBytes = <usize>c << 2;
  const p = scratch, q = scratch + rowBytes;
  memory.fill(sumDz, 0, rowBytes);
  memory.fill(sumDzCentered, 0, rowBytes);
  let at: usize = 0;
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = min(rows, r0 + BLOCK);
    memory.fill(scratch, 0, 2 * rowBytes);
    for (let r = r0; r < r1; r++) {
      const xa = x + at, da = dy + at;
      for (let ch: usize = 0; ch < rowBytes; ch += 16) {
        const xc = f32x4.sub(v128.load(xa + ch), v128.load(mean + ch));
        const dz = gradAtNorm(v128.load(da + ch), f32x4.add(f32x4.mul(xc, v128.load(scale + ch)), v128.load(beta + ch)), relu);
        v128.store(p + ch, f32x4.add(v128.load(p + ch), dz));
        v128.store(q + ch, f32x4.add(v128.load(q + ch), f32x4.mul(dz, xc)));
      }
      at += rowBytes;
    }
    for (let ch: usize = 0; ch < rowBytes; ch += 16) {
      v128.store(sumDz + ch, f32x4.add(v128.load(sumDz + ch), v128.load(p + ch)));
      v128.store(sumDzCentered + ch, f32x4.add(v128.load(sumDzCentered + ch), v128.load(q + ch)));
    }
  }
}

/**
 * Second pass: dx = dz * scale + ((x - mean) * kCentered + kConst) with the per-channel factors
 * from the sums; when `act` is not 0 it also receives the forward's output (z, rectified when
 * `relu`), which the following 1x1 conv's filter gradient needs and no one stored.
 */
export function bnBackwardApply(
  x: usize, dy: usize, rows: i32, c: i32, mean: usize, scale: usize, beta: usize, relu: bool,
  kCentered: usize, kConst: usize, dx: usize, act: usize,
): void {
  const all = <usize>c << 2;
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * all;
    for (let ch: usize = 0; ch < all; ch += 16) {
      const at = row + ch;
      const xc = f32x4.sub(v128.load(x + at), v128.load(mean + ch));
      const sc = v128.load(scale + ch);
      const z = f32x4.add(f32x4.mul(xc, sc), v128.load(beta + ch));
      const dz = gradAtNorm(v128.load(dy + at), z, relu);
      v128.store(dx + at, f32x4.add(f32x4.mul(dz, sc), f32x4.add(f32x4.mul(xc, v128.load(kCentered + ch)), v128.load(kConst + ch))));
      if (act != 0) v128.store(act + at, relu ? f32x4.pmax(z, zero) : z);
    }
  }
}

// The condensed 1x1 conv of a learned group conv (G groups, interleaved over outputs: o is in
// group o % G). Once a condensing stage has dropped input channels, group g reads only its k
// kept channels index[t * G + g] (t < k) of the activation act [rows, r] (BN + ReLU of the
// layer's input, all r channels). The kernels gather CHUNK rows at a time into a scratch
// buffer a[p, t * G + g] (tap-major, group-minor; q = k * G floats a row) and multiply it with
// the packed weight wq[t, o], the kernel's entry for output o and its group's t-th kept
// channel. With G a multiple of 4, four consecutive outputs o..o+3 are four consecutive
// groups, so a lane of every vector below is one group: a, wq, y and dy are read contiguously,
// and the work is k * O multiply-adds per pixel instead of R * O.

// scratch[p, j] = act[p0 + p, index[j]] for p < n, j < q.
// @ts-ignore: decorator
@inline
function gatherRows(act: usize, rBytes: usize, index: usize, q: i32, p0: i32, n: i32, scratch: usize): void {
  const qBytes = <usize>q << 2;
  let src = act + <usize>p0 * rBytes;
  let dst = scratch;
  for (let p = 0; p < n; p++) {
    for (let j: usize = 0; j < qBytes; j += 4) store<f32>(dst + j, load<f32>(src + (<usize>load<i32>(index + j) << 2)));
    src += rBytes;
    dst += qBytes;
  }
}

// Below, `gc` is the byte offset of a chunk of 4 groups within a tap's G values, and the output
// vectors of that chunk sit at byte gc + m * G * 4 (m < O / G): all of them read the same
// activation vector, so one load serves every output vector of a tile.

/**
 * y[p, o] = sum over t < k of act[p, index[t * G + o % G]] * wq[t, o] (act: [rows, r], wq:
 * [k, o], G and o multiples of 4; scratch: CHUNK * k * G floats).
 */
export function condensedForward(
  act: usize, rows: i32, r: i32, index: usize, k: i32, groups: i32, wq: usize, o: i32, y: usize, scratch: usize,
): void {
  const rBytes = <usize>r << 2;
  for (let p0 = 0; p0 < rows; p0 += CHUNK) {
    const n = min(rows - p0, CHUNK);
    gatherRows(act, rBytes, index, k * groups, p0, n, scratch);
    forwardRows(scratch, n, k, groups, wq, o, y + <usize>p0 * (<usize>o << 2));
  }
}

// condensedForward on gathered rows a: [rows, k * G]. Tiles of 2 pixels by 4 output vectors of
// one group chunk.
// @ts-ignore: decorator
@inline
function forwardRows(a: usize, rows: i32, k: i32, groups: i32, wq: usize, o: i32, y: usize): void {
  const gBytes = <usize>groups << 2;
  const oBytes = <usize>o << 2;
  const aRow = gBytes * <usize>k;
  let p = 0;
  for (; p + 1 < rows; p += 2) {
    const a0 = a + <usize>p * aRow;
    const y0 = y + <usize>p * oBytes;
    for (let gc: usize = 0; gc < gBytes; gc += 16) {
      let m = gc;
      for (; m + 3 * gBytes < oBytes; m += 4 * gBytes) {
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        let u0 = f32x4.splat(0), u1 = f32x4.splat(0), u2 = f32x4.splat(0), u3 = f32x4.splat(0);
        let pa = a0 + gc;
        let pw = wq + m;
        for (let t = 0; t < k; t++) {
          const x0 = v128.load(pa), x1 = v128.load(pa + aRow);
          const w0 = v128.load(pw), w1 = v128.load(pw + gBytes), w2 = v128.load(pw + 2 * gBytes), w3 = v128.load(pw + 3 * gBytes);
          s0 = f32x4.add(s0, f32x4.mul(x0, w0)); u0 = f32x4.add(u0, f32x4.mul(x1, w0));
          s1 = f32x4.add(s1, f32x4.mul(x0, w1)); u1 = f32x4.add(u1, f32x4.mul(x1, w1));
          s2 = f32x4.add(s2, f32x4.mul(x0, w2)); u2 = f32x4.add(u2, f32x4.mul(x1, w2));
          s3 = f32x4.add(s3, f32x4.mul(x0, w3)); u3 = f32x4.add(u3, f32x4.mul(x1, w3));
          pa += gBytes;
          pw += oBytes;
        }
        const at = y0 + m;
        v128.store(at, s0); v128.store(at + gBytes, s1); v128.store(at + 2 * gBytes, s2); v128.store(at + 3 * gBytes, s3);
        const bt = at + oBytes;
        v128.store(bt, u0); v128.store(bt + gBytes, u1); v128.store(bt + 2 * gBytes, u2); v128.store(bt + 3 * gBytes, u3);
      }
      for (; m < oBytes; m += gBytes) {
        let s0 = f32x4.splat(0), u0 = f32x4.splat(0);
        let pa = a0 + gc;
        let pw = wq + m;
        for (let t = 0; t < k; t++) {
          const w0 = v128.load(pw);
          s0 = f32x4.add(s0, f32x4.mul(v128.load(pa), w0));
          u0 = f32x4.add(u0, f32x4.mul(v128.load(pa + aRow), w0));
          pa += gBytes;
          pw += oBytes;
        }
        v128.store(y0 + m, s0);
        v128.store(y0 + oBytes + m, u0);
      }
    }
  }
  for (; p < rows; p++) {
    const a0 = a + <usize>p * aRow;
    const y0 = y + <usize>p * oBytes;
    for (let gc: usize = 0; gc < gBytes; gc += 16) {
      for (let m = gc; m < oBytes; m += gBytes) {
        let s0 = f32x4.splat(0);
        let pa = a0 + gc;
        let pw = wq + m;
        for (let t = 0; t < k; t++) {
          s0 = f32x4.add(s0, f32x4.mul(v128.load(pa), v128.load(pw)));
          pa += gBytes;
          pw += oBytes;
        }
        v128.store(y0 + m, s0);
      }
    }
  }
}

// dx[p, index[j + l]] += lane l of d, l < 4 (a channel kept by several groups sums their parts).
// @ts-ignore: decorator
@inline
function scatterAdd4(dxp: usize, index: usize, j: usize, d: v128): void {
  let at = dxp + (<usize>load<i32>(index + j) << 2);
  store<f32>(at, load<f32>(at) + f32x4.extract_lane(d, 0));
  at = dxp + (<usize>load<i32>(index + j, 4) << 2);
  store<f32>(at, load<f32>(at) + f32x4.extract_lane(d, 1));
  at = dxp + (<usize>load<i32>(index + j, 8) << 2);
  store<f32>(at, load<f32>(at) + f32x4.extract_lane(d, 2));
  at = dxp + (<usize>load<i32>(index + j, 12) << 2);
  store<f32>(at, load<f32>(at) + f32x4.extract_lane(d, 3));
}

/**
 * Input gradient of condensedForward scattered back to all r channels of the activation:
 * dx[p, index[t * G + g]] += sum over outputs o of group g of dy[p, o] * wq[t, o]; channels no
 * group keeps get 0. Tiles of 2 pixels by 4 taps share each dy and weight load.
 */
export function condensedInputGrad(
  dy: usize, rows: i32, o: i32, groups: i32, wq: usize, k: i32, index: usize, r: i32, dx: usize,
): void {
  const gBytes = <usize>groups << 2;
  const oBytes = <usize>o << 2;
  const rBytes = <usize>r << 2;
  let p = 0;
  for (; p + 1 < rows; p += 2) {
    const dy0 = dy + <usize>p * oBytes;
    const dx0 = dx + <usize>p * rBytes;
    const dx1 = dx0 + rBytes;
    // Zeroed here rather than all at once, so the rows are in cache for the scatter.
    memory.fill(dx0, 0, 2 * rBytes);
    for (let gc: usize = 0; gc < gBytes; gc += 16) {
      let t = 0;
      for (; t + 3 < k; t += 4) {
        const w0 = wq + <usize>t * oBytes;
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        let u0 = f32x4.splat(0), u1 = f32x4.splat(0), u2 = f32x4.splat(0), u3 = f32x4.splat(0);
        for (let m = gc; m < oBytes; m += gBytes) {
          const g0 = v128.load(dy0 + m), g1 = v128.load(dy0 + oBytes + m);
          const v0 = v128.load(w0 + m), v1 = v128.load(w0 + oBytes + m), v2 = v128.load(w0 + 2 * oBytes + m), v3 = v128.load(w0 + 3 * oBytes + m);
          s0 = f32x4.add(s0, f32x4.mul(g0, v0)); u0 = f32x4.add(u0, f32x4.mul(g1, v0));
          s1 = f32x4.add(s1, f32x4.mul(g0, v1)); u1 = f32x4.add(u1, f32x4.mul(g1, v1));
          s2 = f32x4.add(s2, f32x4.mul(g0, v2)); u2 = f32x4.add(u2, f32x4.mul(g1, v2));
          s3 = f32x4.add(s3, f32x4.mul(g0, v3)); u3 = f32x4.add(u3, f32x4.mul(g1, v3));
        }
        const j = <usize>t * gBytes + gc;
        scatterAdd4(dx0, index, j, s0); scatterAdd4(dx1, index, j, u0);
        scatterAdd4(dx0, index, j + gBytes, s1); scatterAdd4(dx1, index, j + gBytes, u1);
        scatterAdd4(dx0, index, j + 2 * gBytes, s2); scatterAdd4(dx1, index, j + 2 * gBytes, u2);
        scatterAdd4(dx0, index, j + 3 * gBytes, s3); scatterAdd4(dx1, index, j + 3 * gBytes, u3);
      }
      for (; t < k; t++) {
        const w0 = wq + <usize>t * oBytes;
        let s0 = f32x4.splat(0), u0 = f32x4.splat(0);
        for (let m = gc; m < oBytes; m += gBytes) {
          const v0 = v128.load(w0 + m);
          s0 = f32x4.add(s0, f32x4.mul(v128.load(dy0 + m), v0));
          u0 = f32x4.add(u0, f32x4.mul(v128.load(dy0 + oBytes + m), v0));
        }
        const j = <usize>t * gBytes + gc;
        scatterAdd4(dx0, index, j, s0);
        scatterAdd4(dx1, index, j, u0);
      }
    }
  }
  for (; p < rows; p++) {
    const dy0 = dy + <usize>p * oBytes;
    const dx0 = dx + <usize>p * rBytes;
    memory.fill(dx0, 0, rBytes);
    for (let gc: usize = 0; gc < gBytes; gc += 16) {
      for (let t = 0; t < k; t++) {
        const w0 = wq + <usize>t * oBytes;
        let s0 = f32x4.splat(0);
        for (let m = gc; m < oBytes; m += gBytes) s0 = f32x4.add(s0, f32x4.mul(v128.load(dy0 + m), v128.load(w0 + m)));
        scatterAdd4(dx0, index, <usize>t * gBytes + gc, s0);
      }
    }
  }
}

/**
 * Filter gradient of condensedForward in the packed layout: dwq[t, o] = sum over p of
 * act[p, index[t * G + o % G]] * dy[p, o]. Per CHUNK rows gathered into scratch, tiles of 4
 * taps by 4 output vectors of one group chunk: per pixel, 4 activation and 4 dy loads feed 16
 * products.
 */
export function condensedFilterGrad(
  act: usize, rows: i32, r: i32, index: usize, dy: usize, k: i32, groups: i32, o: i32, dwq: usize, scratch: usize,
): void {
  const gBytes = <usize>groups << 2;
  const oBytes = <usize>o << 2;
  const rBytes = <usize>r << 2;
  const aRow = gBytes * <usize>k;
  memory.fill(dwq, 0, <usize>k * oBytes);
  for (let p0 = 0; p0 < rows; p0 += CHUNK) {
    const n = min(rows - p0, CHUNK);
    gatherRows(act, rBytes, index, k * groups, p0, n, scratch);
    const d = dy + <usize>p0 * oBytes;
    for (let gc: usize = 0; gc < gBytes; gc += 16) {
      let t = 0;
      for (; t + 3 < k; t += 4) {
        let m = gc;
        for (; m + 3 * gBytes < oBytes; m += 4 * gBytes) filterTile4x4(scratch, d, dwq, aRow, gBytes, oBytes, n, t, gc, m);
        for (; m < oBytes; m += gBytes) {
          for (let tt = t; tt < t + 4; tt++) filterTile1x1(scratch, d, dwq, aRow, gBytes, oBytes, n, tt, gc, m);
        }
      }
      for (; t < k; t++) {
        for (let m = gc; m < oBytes; m += gBytes) filterTile1x1(scratch, d, dwq, aRow, gBytes, oBytes, n, t, gc, m);
      }
    }
  }
}

// dwq rows t..t+3 at output vectors m, m + G, m + 2G, m + 3G (bytes m + i * gBytes).
// @ts-ignore: decorator
@inline
function filterTile4x4(
  a: usize, dy: usize, dwq: usize, aRow: usize, gBytes: usize, oBytes: usize, n: i32, t: i32, gc: usize, m: usize,
): void {
  const c0 = dwq + <usize>t * oBytes + m;
  const c1 = c0 + oBytes, c2 = c1 + oBytes, c3 = c2 + oBytes;
  const s1 = gBytes, s2 = 2 * gBytes, s3 = 3 * gBytes;
  let x00 = v128.load(c0), x01 = v128.load(c0 + s1), x02 = v128.load(c0 + s2), x03 = v128.load(c0 + s3);
  let x10 = v128.load(c1), x11 = v128.load(c1 + s1), x12 = v128.load(c1 + s2), x13 = v128.load(c1 + s3);
  let x20 = v128.load(c2), x21 = v128.load(c2 + s1), x22 = v128.load(c2 + s2), x23 = v128.load(c2 + s3);
  let x30 = v128.load(c3), x31 = v128.load(c3 + s1), x32 = v128.load(c3 + s2), x33 = v128.load(c3 + s3);
  let pa = a + <usize>t * gBytes + gc;
  let pd = dy + m;
  for (let p = 0; p < n; p++) {
    const d0 = v128.load(pd), d1 = v128.load(pd + s1), d2 = v128.load(pd + s2), d3 = v128.load(pd + s3);
    const a0 = v128.load(pa);
    x00 = f32x4.add(x00, f32x4.mul(a0, d0)); x01 = f32x4.add(x01, f32x4.mul(a0, d1));
    x02 = f32x4.add(x02, f32x4.mul(a0, d2)); x03 = f32x4.add(x03, f32x4.mul(a0, d3));
    const a1 = v128.load(pa + s1);
    x10 = f32x4.add(x10, f32x4.mul(a1, d0)); x11 = f32x4.add(x11, f32x4.mul(a1, d1));
    x12 = f32x4.add(x12, f32x4.mul(a1, d2)); x13 = f32x4.add(x13, f32x4.mul(a1, d3));
    const a2 = v128.load(pa + s2);
    x20 = f32x4.add(x20, f32x4.mul(a2, d0)); x21 = f32x4.add(x21, f32x4.mul(a2, d1));
    x22 = f32x4.add(x22, f32x4.mul(a2, d2)); x23 = f32x4.add(x23, f32x4.mul(a2, d3));
    const a3 = v128.load(pa + s3);
    x30 = f32x4.add(x30, f32x4.mul(a3, d0)); x31 = f32x4.add(x31, f32x4.mul(a3, d1));
    x32 = f32x4.add(x32, f32x4.mul(a3, d2)); x33 = f32x4.add(x33, f32x4.mul(a3, d3));
    pa += aRow;
    pd += oBytes;
  }
  v128.store(c0, x00); v128.store(c0 + s1, x01); v128.store(c0 + s2, x02); v128.store(c0 + s3, x03);
  v128.store(c1, x10); v128.store(c1 + s1, x11); v128.store(c1 + s2, x12); v128.store(c1 + s3, x13);
  v128.store(c2, x20); v128.store(c2 + s1, x21); v128.store(c2 + s2, x22); v128.store(c2 + s3, x23);
  v128.store(c3, x30); v128.store(c3 + s1, x31); v128.store(c3 + s2, x32); v128.store(c3 + s3, x33);
}

// @ts-ignore: decorator
@inline
function filterTile1x1(
  a: usize, dy: usize, dwq: usize, aRow: usize, gBytes: usize, oBytes: usize, n: i32, t: i32, gc: usize, m: usize,
): void {
  const c0 = dwq + <usize>t * oBytes + m;
  let x0 = v128.load(c0);
  let pa = a + <usize>t * gBytes + gc;
  let pd = dy + m;
  for (let p = 0; p < n; p++) {
    x0 = f32x4.add(x0, f32x4.mul(v128.load(pa), v128.load(pd)));
    pa += aRow;
    pd += oBytes;
  }
  v128.store(c0, x0);
}

/**
 * out[i] = src[index[i]] for i < count: the packed weight and the per-column BatchNorm
 * operands of the condensed layout (small; tfjs-wasm's GatherV2 checks each index in JavaScript).
 */
export function gatherFloats(src: usize, index: usize, count: i32, out: usize): void {
  for (let i: usize = 0; i < (<usize>count << 2); i += 4) store<f32>(out + i, load<f32>(src + (<usize>load<i32>(index + i) << 2)));
}

/** out[index[i]] = src[i] for i < count, out (size floats) 0 elsewhere: the packed weight's gradient back into the kernel. */
export function scatterFloats(src: usize, index: usize, count: i32, out: usize, size: i32): void {
  memory.fill(out, 0, <usize>size << 2);
  for (let i: usize = 0; i < (<usize>count << 2); i += 4) store<f32>(out + (<usize>load<i32>(index + i) << 2), load<f32>(src + i));
}
