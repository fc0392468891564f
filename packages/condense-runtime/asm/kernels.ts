// SIMD kernels for the condensed layers of CondenseNet, NHWC float32, compiled with
// `asc --enable simd` and again with `--enable simd,relaxed-simd` (see madd). The JavaScript side
// owns the linear memory: it copies packed weights and activations in and passes byte addresses;
// nothing here allocates.

/** First byte JavaScript may use: everything below belongs to the compiler's static data. */
export function heapBase(): usize {
  return __heap_base;
}

/** Whether this is the relaxed-SIMD build (fused multiply-adds), so a loaded module can say which it is. */
export function relaxedSimd(): bool {
  return ASC_FEATURE_RELAXED_SIMD;
}

// ReLU as f32x4.pmax (v < 0 ? 0 : v), one maxps on x64: f32x4.max's NaN and signed-zero rules
// cost V8 six more instructions per vector, and the kernels apply a ReLU to every value they
// gather or write. The two differ only for -0 (kept as -0) and NaN (kept), as PyTorch's relu.
// @ts-ignore: decorator
@inline
function relu4(v: v128): v128 {
  return f32x4.pmax(v, f32x4.splat(0));
}

// acc + a * b. The relaxed-SIMD build (`--enable relaxed-simd`, ASC_FEATURE_RELAXED_SIMD) uses
// f32x4.relaxed_madd, one fused multiply-add where the CPU has one (vfmadd on x64 with FMA3):
// half the floating-point instructions of the inner loops, and a single rounding instead of two,
// so its results differ from the SIMD build's in the last bits, and may differ between CPUs (one
// without FMA multiplies and adds). The SIMD build's results are the same bits on every engine.
// @ts-ignore: decorator
@inline
function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

// Four gathered input channels of one pixel (one per lane), through the folded BatchNorm and ReLU.
// i0..i3 are byte offsets into the pixel's row, loaded once per slot by the caller and shared
// by both pixels of a pair; lane loads avoid a scalar load plus lane insert per channel.
// @ts-ignore: decorator
@inline
function gatherNormRelu(row: usize, i0: usize, i1: usize, i2: usize, i3: usize, scale: v128, shift: v128): v128 {
  let v = v128.load32_zero(row + i0);
  v = v128.load32_lane(row + i1, v, 1);
  v = v128.load32_lane(row + i2, v, 2);
  v = v128.load32_lane(row + i3, v, 3);
  return relu4(madd(shift, v, scale));
}

// @ts-ignore: decorator
@inline
function finish(acc: v128, bias: usize, relu: bool): v128 {
  const v = f32x4.add(acc, v128.load(bias));
  return relu ? relu4(v) : v;
}

/**
 * The condensed learned group conv of one dense layer, fused: gather the indexed input channels,
 * BatchNorm + ReLU, grouped 1x1 conv, plus a per-output bias and optional ReLU (the next
 * BatchNorm folded in by the packer).
 *
 * Lanes run over four consecutive *output* channels c..c+3 in the shuffled (original interleaved)
 * order. With G % 4 == 0 those four channels belong to groups 4q..4q+3 (quad q) and share their
 * position k inside the group, so lane l reads slot t of group 4q+l: the gathered input is itself
 * a vector, no broadcast is needed, and the result is stored straight into place: the channel
 * shuffle costs nothing.
 *
 * Packed operands (built by packCondensedConv1x1): index/scale/shift [quads][K][4],
 * weight [quads][kOut / 2][K][2][4] (each pair of positions m, m+1 swept over K in one
 * contiguous run; an odd kOut's last position alone, [K][4]), bias [O] in output order.
 * `scratch` holds 4*K vectors.
 * Output channel of quad q, position m, lane l: m*G + 4q + l.
 *
 * The pixels come in `spans` runs of `spanPixels` (image rows): input runs are contiguous,
 * output run s starts `ySpanPitch` floats after run s-1, so one call can fill the interior of
 * the zero-bordered buffer the 3x3 kernel reads.
 *
 * Pixels are taken four at a time, across run boundaries (only the output address depends on
 * the run): each weight vector loaded feeds four pixels. Late dense blocks have small maps
 * (7x7, 14x14) and large layers (hundreds of KiB of weights) that are re-read from L2 once per
 * pixel group, so the width of that group is what sets their speed.
 */
export function condensedConv1x1(
  x: usize, xStride: i32, spans: i32, spanPixels: i32,
  index: usize, scale: usize, shift: usize, weight: usize, bias: usize, relu: bool,
  quads: i32, K: i32, kOut: i32,
  y: usize, yStride: i32, ySpanPitch: i32, yOffset: i32,
  scratch: usize,
): void {
  const pixels = spans * spanPixels;
  const xRowBytes = <usize>xStride << 2;
  const yRowBytes = <usize>yStride << 2;
  const ySpanBytes = <usize>ySpanPitch << 2;
  const yBase = y + (<usize>yOffset << 2);
  const quadBytes = <usize>(K * kOut) << 4;
  const gBytes = <usize>(quads << 2) << 2;
  // Four pixels' gathered slots interleaved, [K][4 pixels][4 lanes], so the inner loops walk one
  // scratch pointer with constant offsets beside the weight pointer.
  const scratchEnd = scratch + (<usize>K << 6);
  // Pixel p writes at runStart + at * yRowBytes (its run's start, its position in the run),
  // stepped pixel by pixel: a division per pixel measured 2-3% of the kernel's time.
  let runStart = yBase, at = 0;
  let p = 0;
  for (; p + 3 < pixels; p += 4) {
    const row0 = x + <usize>p * xRowBytes;
    const out0 = runStart + <usize>at * yRowBytes;
    if (++at == spanPixels) { at = 0; runStart += ySpanBytes; }
    const out1 = runStart + <usize>at * yRowBytes;
    if (++at == spanPixels) { at = 0; runStart += ySpanBytes; }
    const out2 = runStart + <usize>at * yRowBytes;
    if (++at == spanPixels) { at = 0; runStart += ySpanBytes; }
    const out3 = runStart + <usize>at * yRowBytes;
    if (++at == spanPixels) { at = 0; runStart += ySpanBytes; }
    for (let q = 0; q < quads; q++) {
      const qSlots = <usize>(q * K) << 4;
      for (let t = 0; t < K; t++) {
        const s = qSlots + (<usize>t << 4);
        const i0 = <usize>load<i32>(index + s), i1 = <usize>load<i32>(index + s, 4);
        const i2 = <usize>load<i32>(index + s, 8), i3 = <usize>load<i32>(index + s, 12);
        const sc = v128.load(scale + s), sh = v128.load(shift + s);
        const u = scratch + (<usize>t << 6);
        v128.store(u, gatherNormRelu(row0, i0, i1, i2, i3, sc, sh));
        v128.store(u, gatherNormRelu(row0 + xRowBytes, i0, i1, i2, i3, sc, sh), 16);
        v128.store(u, gatherNormRelu(row0 + 2 * xRowBytes, i0, i1, i2, i3, sc, sh), 32);
        v128.store(u, gatherNormRelu(row0 + 3 * xRowBytes, i0, i1, i2, i3, sc, sh), 48);
      }
      const wq = weight + <usize>q * quadBytes;
      const laneBytes = <usize>q << 4;
      let m = 0;
      for (; m + 1 < kOut; m += 2) {
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0), d0 = f32x4.splat(0), d1 = f32x4.splat(0);
        let w = wq + (<usize>(m * K) << 4);
        for (let u = scratch; u < scratchEnd; u += 64) {
          const w0 = v128.load(w), w1 = v128.load(w, 16);
          const u0 = v128.load(u), u1 = v128.load(u, 16);
          a0 = madd(a0, u0, w0);
          a1 = madd(a1, u0, w1);
          b0 = madd(b0, u1, w0);
          b1 = madd(b1, u1, w1);
          const u2 = v128.load(u, 32), u3 = v128.load(u, 48);
          c0 = madd(c0, u2, w0);
          c1 = madd(c1, u2, w1);
          d0 = madd(d0, u3, w0);
          d1 = madd(d1, u3, w1);
          w += 32;
        }
        const o = <usize>m * gBytes + laneBytes;
        const o1 = o + gBytes;
        v128.store(out0 + o, finish(a0, bias + o, relu));
        v128.store(out0 + o1, finish(a1, bias + o1, relu));
        v128.store(out1 + o, finish(b0, bias + o, relu));
        v128.store(out1 + o1, finish(b1, bias + o1, relu));
        v128.store(out2 + o, finish(c0, bias + o, relu));
        v128.store(out2 + o1, finish(c1, bias + o1, relu));
        v128.store(out3 + o, finish(d0, bias + o, relu));
        v128.store(out3 + o1, finish(d1, bias + o1, relu));
      }
      if (m < kOut) {
        let a0 = f32x4.splat(0), b0 = f32x4.splat(0), c0 = f32x4.splat(0), d0 = f32x4.splat(0);
        let w = wq + (<usize>(m * K) << 4);
        for (let u = scratch; u < scratchEnd; u += 64) {
          const w0 = v128.load(w);
          a0 = madd(a0, v128.load(u), w0);
          b0 = madd(b0, v128.load(u, 16), w0);
          c0 = madd(c0, v128.load(u, 32), w0);
          d0 = madd(d0, v128.load(u, 48), w0);
          w += 16;
        }
        const o = <usize>m * gBytes + laneBytes;
        v128.store(out0 + o, finish(a0, bias + o, relu));
        v128.store(out1 + o, finish(b0, bias + o, relu));
        v128.store(out2 + o, finish(c0, bias + o, relu));
        v128.store(out3 + o, finish(d0, bias + o, relu));
      }
    }
  }
  // The last one to three pixels, one at a time.
  for (; p < pixels; p++) {
    const row0 = x + <usize>p * xRowBytes;
    const out0 = runStart + <usize>at * yRowBytes;
    if (++at == spanPixels) { at = 0; runStart += ySpanBytes; }
    for (let q = 0; q < quads; q++) {
      const qSlots = <usize>(q * K) << 4;
      for (let t = 0; t < K; t++) {
        const s = qSlots + (<usize>t << 4);
        const i0 = <usize>load<i32>(index + s), i1 = <usize>load<i32>(index + s, 4);
        const i2 = <usize>load<i32>(index + s, 8), i3 = <usize>load<i32>(index + s, 12);
        v128.store(scratch + (<usize>t << 4), gatherNormRelu(row0, i0, i1, i2, i3, v128.load(scale + s), v128.load(shift + s)));
      }
      const wq = weight + <usize>q * quadBytes;
      for (let m = 0; m < kOut; m++) {
        // Position m's run starts at its pair's, one vector in for the second of a pair, and
        // steps over the pair's other position unless m is an odd kOut's last, alone.
        const paired = (m | 1) < kOut;
        let w = wq + (<usize>((m & ~1) * K + (m & 1)) << 4);
        const step: usize = paired ? 32 : 16;
        let a0 = f32x4.splat(0);
        for (let t = 0; t < K; t++) {
          a0 = madd(a0, v128.load(scratch + (<usize>t << 4)), v128.load(w));
          w += step;
        }
        const o = <usize>m * gBytes + (<usize>q << 4);
        v128.store(out0 + o, finish(a0, bias + o, relu));
      }
    }
  }
}

// Eight (P = 2) or four (P = 1) consecutive pixels of one row through group g of
// condensedConv1x1Planes: gather its K slots, four pixels per vector, then its kOut outputs four
// at a time, each weight splat across the pixels.
// @ts-ignore: decorator
@inline
function conv1x1PlanesTile(
  P: i32, row0: usize, xPixBytes: usize, index: usize, scale: usize, shift: usize, weight: usize,
  bias: usize, relu: bool, G: i32, g: i32, K: i32, kOut: i32, out: usize, yPlaneBytes: usize, scratch: usize,
): void {
  for (let t = 0; t < K; t++) {
    const s = <usize>t << 2;
    const p0 = row0 + <usize>load<i32>(index + s);
    const sc = v128.load32_splat(scale + s), sh = v128.load32_splat(shift + s);
    let v = v128.load32_zero(p0);
    v = v128.load32_lane(p0 + xPixBytes, v, 1);
    v = v128.load32_lane(p0 + 2 * xPixBytes, v, 2);
    v = v128.load32_lane(p0 + 3 * xPixBytes, v, 3);
    v128.store(scratch + (<usize>t << 5), relu4(madd(sh, v, sc)));
    if (P > 1) {
      const p4 = p0 + 4 * xPixBytes;
      let u = v128.load32_zero(p4);
      u = v128.load32_lane(p4 + xPixBytes, u, 1);
      u = v128.load32_lane(p4 + 2 * xPixBytes, u, 2);
      u = v128.load32_lane(p4 + 3 * xPixBytes, u, 3);
      v128.store(scratch + (<usize>t << 5), relu4(madd(sh, u, sc)), 16);
    }
  }
  const scratchEnd = scratch + (<usize>K << 5);
  const cBytes = <usize>G * yPlaneBytes;
  let w = weight;
  for (let m = 0; m < kOut; m += 4) {
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
    for (let u = scratch; u < scratchEnd; u += 32) {
      const x0 = v128.load(u);
      const w0 = v128.load32_splat(w), w1 = v128.load32_splat(w, 4), w2 = v128.load32_splat(w, 8), w3 = v128.load32_splat(w, 12);
      a0 = madd(a0, x0, w0);
      a1 = madd(a1, x0, w1);
      a2 = madd(a2, x0, w2);
      a3 = madd(a3, x0, w3);
      if (P > 1) {
        const x1 = v128.load(u, 16);
        b0 = madd(b0, x1, w0);
        b1 = madd(b1, x1, w1);
        b2 = madd(b2, x1, w2);
        b3 = madd(b3, x1, w3);
      }
      w += 16;
    }
    const c = <usize>(m * G + g);
    const line = out + c * yPlaneBytes, b = bias + (c << 2), bStep = <usize>G << 2;
    storePixels(line, a0, b0, b, relu, P);
    storePixels(line + cBytes, a1, b1, b + bStep, relu, P);
    storePixels(line + 2 * cBytes, a2, b2, b + 2 * bStep, relu, P);
    storePixels(line + 3 * cBytes, a3, b3, b + 3 * bStep, relu, P);
  }
}

// One output channel's four (P = 1) or eight (P = 2) pixels, plus its bias, optional ReLU.
// @ts-ignore: decorator
@inline
function storePixels(at: usize, a: v128, b: v128, bias: usize, relu: bool, P: i32): void {
  const bv = v128.load32_splat(bias);
  const va = f32x4.add(a, bv);
  v128.store(at, relu ? relu4(va) : va);
  if (P > 1) {
    const vb = f32x4.add(b, bv);
    v128.store(at, relu ? relu4(vb) : vb, 16);
  }
}

/**
 * condensedConv1x1 (the same layer: gather, BatchNorm + ReLU, grouped 1x1, channel shuffle,
 * bias, optional ReLU) for `rows` whole image rows of `width` pixels, writing *planes*: channel
 * c of pixel w of row r at y + r * yRowPitch + c * yPlanePitch + w floats, the layout
 * groupedConv3x3Planes reads.
 *
 * Lanes run over four consecutive pixels of a row (width a multiple of 4), so a slot of a
 * group is one input channel, one scale and one shift splat across the pixels, and each output
 * channel's four pixels are one vector stored in place: no shuffle, whatever the group count.
 * Packed operands (packCondensedConv1x1Planes): index/scale/shift [G][K] (index as byte offsets
 * into a pixel row), weight [G][kOut / 4][K][4] (kOut a multiple of 4), bias [O] in output order.
 * `scratch` holds 2 * K vectors. Output channel of group g, position m: m * G + g.
 */
export function condensedConv1x1Planes(
  x: usize, xStride: i32, rows: i32, width: i32,
  index: usize, scale: usize, shift: usize, weight: usize, bias: usize, relu: bool,
  groups: i32, K: i32, kOut: i32,
  y: usize, yRowPitch: i32, yPlanePitch: i32, scratch: usize,
): void {
  const xPixBytes = <usize>xStride << 2;
  const yRowBytes = <usize>yRowPitch << 2;
  const yPlaneBytes = <usize>yPlanePitch << 2;
  const slotBytes = <usize>K << 2;
  const weightBytes = <usize>(K * kOut) << 2;
  for (let r = 0; r < rows; r++) {
    const xRow = x + <usize>(r * width) * xPixBytes;
    const yRow = y + <usize>r * yRowBytes;
    for (let g = 0; g < groups; g++) {
      const gs = <usize>g * slotBytes;
      const wg = weight + <usize>g * weightBytes;
      let w = 0;
      for (; w + 7 < width; w += 8) {
        conv1x1PlanesTile(2, xRow + <usize>w * xPixBytes, xPixBytes, index + gs, scale + gs, shift + gs, wg, bias, relu, groups, g, K, kOut, yRow + (<usize>w << 2), yPlaneBytes, scratch);
      }
      if (w < width) {
        conv1x1PlanesTile(1, xRow + <usize>w * xPixBytes, xPixBytes, index + gs, scale + gs, shift + gs, wg, bias, relu, groups, g, K, kOut, yRow + (<usize>w << 2), yPlaneBytes, scratch);
      }
    }
  }
}

// [sum(a), sum(b), sum(c), sum(d)]
// @ts-ignore: decorator
@inline
function horizontalSums(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 1, 4, 5), v128.shuffle<f32>(a, b, 2, 3, 6, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 1, 4, 5), v128.shuffle<f32>(c, d, 2, 3, 6, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 2, 4, 6), v128.shuffle<f32>(ab, cd, 1, 3, 5, 7));
}

// Four output channels of the grouped 3x3 conv at one or two horizontally adjacent output
// pixels (their inputs `pairBytes` apart).
// `share` (a constant at every call site, folded away after inlining) says how many of the four
// output lanes read the same group: 4 when a group has >= 4 outputs, 2 when it has 2, 1
// otherwise; equal groups load their input vector once.
// @ts-ignore: decorator
@inline
function conv3x3Quad(
  out: usize, outNext: usize, origin: usize, pixBytes: usize, pairBytes: usize, rowBytes: usize,
  g0: usize, g1: usize, g2: usize, g3: usize,
  wc: usize, ciBytes: usize, outBytes: usize, two: bool, share: i32,
): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  for (let ky: usize = 0; ky < 3; ky++) {
    for (let kx: usize = 0; kx < 3; kx++) {
      const pa = origin + ky * rowBytes + kx * pixBytes;
      const pb = pa + pairBytes;
      const wt = wc + (ky * 3 + kx) * ciBytes;
      for (let i: usize = 0; i < ciBytes; i += 16) {
        const w0 = v128.load(wt + i), w1 = v128.load(wt + outBytes + i);
        const w2 = v128.load(wt + 2 * outBytes + i), w3 = v128.load(wt + 3 * outBytes + i);
        const x0 = v128.load(pa + g0 + i);
        const x1 = share >= 2 ? x0 : v128.load(pa + g1 + i);
        const x2 = share == 4 ? x0 : v128.load(pa + g2 + i);
        const x3 = share == 4 ? x0 : share == 2 ? x2 : v128.load(pa + g3 + i);
        a0 = madd(a0, x0, w0);
        a1 = madd(a1, x1, w1);
        a2 = madd(a2, x2, w2);
        a3 = madd(a3, x3, w3);
        if (two) {
          const y0 = v128.load(pb + g0 + i);
          const y1 = share >= 2 ? y0 : v128.load(pb + g1 + i);
          const y2 = share == 4 ? y0 : v128.load(pb + g2 + i);
          const y3 = share == 4 ? y0 : share == 2 ? y2 : v128.load(pb + g3 + i);
          b0 = madd(b0, y0, w0);
          b1 = madd(b1, y1, w1);
          b2 = madd(b2, y2, w2);
          b3 = madd(b3, y3, w3);
        }
      }
    }
  }
  v128.store(out, horizontalSums(a0, a1, a2, a3));
  if (two) v128.store(outNext, horizontalSums(b0, b1, b2, b3));
}

// P (a constant at every call site, so the unused accumulators fold away) horizontally adjacent
// output pixels by eight output channels of one group: each input value is splat across the
// lanes and multiplied by the eight channels' weights for it, so each weight pair loaded feeds
// P pixels and each input value two vectors, and nothing needs a horizontal reduction.
// weight: [3][3][ci][8].
// @ts-ignore: decorator
@inline
function conv3x3EightOutputs(
  out: usize, yPixBytes: usize, origin: usize, pairBytes: usize, pixBytes: usize, rowBytes: usize,
  weight: usize, ciBytes: usize, P: i32,
): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  let w = weight;
  for (let ky: usize = 0; ky < 3; ky++) {
    for (let kx: usize = 0; kx < 3; kx++) {
      const tap = origin + ky * rowBytes + kx * pixBytes;
      const end = tap + ciBytes;
      for (let x = tap; x < end; x += 4) {
        const w0 = v128.load(w), w1 = v128.load(w, 16);
        const x0 = v128.load32_splat(x);
        a0 = madd(a0, x0, w0);
        b0 = madd(b0, x0, w1);
        if (P > 1) {
          const x1 = v128.load32_splat(x + pairBytes);
          a1 = madd(a1, x1, w0);
          b1 = madd(b1, x1, w1);
        }
        if (P > 2) {
          const x2 = v128.load32_splat(x + 2 * pairBytes);
          a2 = madd(a2, x2, w0);
          b2 = madd(b2, x2, w1);
        }
        if (P > 3) {
          const x3 = v128.load32_splat(x + 3 * pairBytes);
          a3 = madd(a3, x3, w0);
          b3 = madd(b3, x3, w1);
        }
        w += 32;
      }
    }
  }
  v128.store(out, a0);
  v128.store(out, b0, 16);
  if (P > 1) {
    v128.store(out + yPixBytes, a1);
    v128.store(out + yPixBytes, b1, 16);
  }
  if (P > 2) {
    v128.store(out + 2 * yPixBytes, a2);
    v128.store(out + 2 * yPixBytes, b2, 16);
  }
  if (P > 3) {
    v128.store(out + 3 * yPixBytes, a3);
    v128.store(out + 3 * yPixBytes, b3, 16);
  }
}

// Two groups' inputs, four channels each (xa of the first, xb of the second, at the same
// position): for each of the four channels, lanes [first, first, second, second] times the
// weights of the two groups' two outputs each.
// @ts-ignore: decorator
@inline
function groupPairStep(acc: v128, x: usize, ciBytes: usize, w0: v128, w1: v128, w2: v128, w3: v128): v128 {
  const xa = v128.load(x), xb = v128.load(x + ciBytes);
  acc = madd(acc, v128.shuffle<f32>(xa, xb, 0, 0, 4, 4), w0);
  acc = madd(acc, v128.shuffle<f32>(xa, xb, 1, 1, 5, 5), w1);
  acc = madd(acc, v128.shuffle<f32>(xa, xb, 2, 2, 6, 6), w2);
  return madd(acc, v128.shuffle<f32>(xa, xb, 3, 3, 7, 7), w3);
}

// P (constant at every call site) horizontally adjacent output pixels of two groups with two
// outputs each: one vector holds both groups' outputs, which are consecutive channels, so it is
// stored as it is. weight: [3][3][ci][4].
// @ts-ignore: decorator
@inline
function conv3x3GroupPair(
  out: usize, yPixBytes: usize, origin: usize, pairBytes: usize, pixBytes: usize, rowBytes: usize,
  weight: usize, ciBytes: usize, P: i32,
): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let w = weight;
  for (let ky: usize = 0; ky < 3; ky++) {
    for (let kx: usize = 0; kx < 3; kx++) {
      const tap = origin + ky * rowBytes + kx * pixBytes;
      const end = tap + ciBytes;
      for (let x = tap; x < end; x += 16) {
        const w0 = v128.load(w), w1 = v128.load(w, 16), w2 = v128.load(w, 32), w3 = v128.load(w, 48);
        a0 = groupPairStep(a0, x, ciBytes, w0, w1, w2, w3);
        if (P > 1) a1 = groupPairStep(a1, x + pairBytes, ciBytes, w0, w1, w2, w3);
        if (P > 2) a2 = groupPairStep(a2, x + 2 * pairBytes, ciBytes, w0, w1, w2, w3);
        if (P > 3) a3 = groupPairStep(a3, x + 3 * pairBytes, ciBytes, w0, w1, w2, w3);
        w += 64;
      }
    }
  }
  v128.store(out, a0);
  if (P > 1) v128.store(out + yPixBytes, a1);
  if (P > 2) v128.store(out + 2 * yPixBytes, a2);
  if (P > 3) v128.store(out + 3 * yPixBytes, a3);
}

// One tile of W output channels (W = 8: conv3x3EightOutputs; W = 4: conv3x3GroupPair) at P
// pixels; W and P are constants at every call site.
// @ts-ignore: decorator
@inline
function conv3x3Tile(
  W: i32, out: usize, yPixBytes: usize, origin: usize, pairBytes: usize, pixBytes: usize, rowBytes: usize,
  weight: usize, ciBytes: usize, P: i32,
): void {
  if (W == 8) conv3x3EightOutputs(out, yPixBytes, origin, pairBytes, pixBytes, rowBytes, weight, ciBytes, P);
  else conv3x3GroupPair(out, yPixBytes, origin, pairBytes, pixBytes, rowBytes, weight, ciBytes, P);
}

// groupedConv3x3 with lanes over W output channels (the weight [cout / W][3][3][ci][W]): W = 8
// when every group has a multiple of 8 outputs, W = 4 for pairs of groups of 2. Weight blocks
// outermost, so one block's weights (9 * ci * W floats) stay in cache while it sweeps the image;
// block b starts at output channel W * b, whose group's inputs it reads.
// @ts-ignore: decorator
@inline
function groupedConv3x3ByVectors(
  W: i32, x: usize, batch: i32, height: i32, width: i32, cin: i32, groups: i32,
  weight: usize, cout: i32, stride: i32,
  y: usize, yStride: i32, yOffset: i32,
): void {
  const ci = cin / groups;
  const co = cout / groups;
  const outH = (height - 1) / stride + 1;
  const outW = (width - 1) / stride + 1;
  const ciBytes = <usize>ci << 2;
  const pixBytes = <usize>cin << 2;
  const pairBytes = pixBytes * <usize>stride;
  const rowBytes = pixBytes * <usize>(width + 2);
  const yPixBytes = <usize>yStride << 2;
  const blockBytes = ciBytes * 9 * <usize>W;
  for (let n = 0; n < batch; n++) {
    for (let b = 0; b < cout / W; b++) {
      const wb = weight + <usize>b * blockBytes;
      const groupIn = <usize>((W * b) / co) * ciBytes;
      for (let h = 0; h < outH; h++) {
        const rowIn = x + <usize>(n * (height + 2) + h * stride) * rowBytes + groupIn;
        const rowOut = y + (<usize>((n * outH + h) * outW) * <usize>yStride + <usize>(yOffset + W * b)) * 4;
        let w = 0;
        if (W == 4) {
          // Three pixels a tile, not four: at four, V8's x64 code spills accumulators and shuffle
          // temporaries to the stack inside the loop; three measured 1.03-1.1x on
          // CondenseNet-74's first block (same bits).
          for (; w + 2 < outW; w += 3) {
            conv3x3Tile(W, rowOut + <usize>w * yPixBytes, yPixBytes, rowIn + <usize>w * pairBytes, pairBytes, pixBytes, rowBytes, wb, ciBytes, 3);
          }
        } else {
          for (; w + 3 < outW; w += 4) {
            conv3x3Tile(W, rowOut + <usize>w * yPixBytes, yPixBytes, rowIn + <usize>w * pairBytes, pairBytes, pixBytes, rowBytes, wb, ciBytes, 4);
          }
        }
        const out = rowOut + <usize>w * yPixBytes, origin = rowIn + <usize>w * pairBytes;
        const left = outW - w;
        if (left == 3) conv3x3Tile(W, out, yPixBytes, origin, pairBytes, pixBytes, rowBytes, wb, ciBytes, 3);
        else if (left == 2) conv3x3Tile(W, out, yPixBytes, origin, pairBytes, pixBytes, rowBytes, wb, ciBytes, 2);
        else if (left == 1) conv3x3Tile(W, out, yPixBytes, origin, pairBytes, pixBytes, rowBytes, wb, ciBytes, 1);
      }
    }
  }
}

/**
 * Grouped 3x3 conv, pad 1, stride 1 or 2, no bias: the dense layer's second conv (stride 1)
 * and the stem (stride 2 on ImageNet). It reads a zero-bordered input
 * [batch, height+2, width+2, cin] (for the dense layer, the 1x1 kernel writes the interior and
 * the border stays zero, which is exactly the conv's padding of the activated input), so every
 * output pixel has all nine taps and no bounds tests. It writes its `cout` new channels at
 * channel `yOffset` of rows of `yStride` floats: the dense block's feature buffer, so
 * concatenation is free. Output size: (height - 1) / stride + 1 per side.
 *
 * Three formulations, by the outputs per group co; the weight is packed
 * [cout / W][3][3][ci][W] for the lane width W each reads (conv3x3LaneWidth in
 * src/backends/wasm/grouped-conv3x3.ts makes the same choice for the packer):
 * - co a multiple of 8 (W = 8): lanes run over output channels (conv3x3EightOutputs);
 * - co = 2 and an even number of groups (W = 4): one vector holds two groups' two outputs
 *   (conv3x3GroupPair);
 * - otherwise (W = 1, the weight [cout][3][3][ci]): lanes run over one group's input channels;
 *   four output channels c..c+3 (in up to four groups) and two horizontally adjacent output
 *   pixels are accumulated together, then reduced with one transpose-add.
 * cin/groups and cout must be multiples of 4.
 */
export function groupedConv3x3(
  x: usize, batch: i32, height: i32, width: i32, cin: i32, groups: i32,
  weight: usize, cout: i32, stride: i32,
  y: usize, yStride: i32, yOffset: i32,
): void {
  const ci = cin / groups;
  const co = cout / groups;
  if (co % 8 == 0) {
    groupedConv3x3ByVectors(8, x, batch, height, width, cin, groups, weight, cout, stride, y, yStride, yOffset);
    return;
  }
  if (co == 2 && groups % 2 == 0) {
    groupedConv3x3ByVectors(4, x, batch, height, width, cin, groups, weight, cout, stride, y, yStride, yOffset);
    return;
  }
  const share = co % 4 == 0 ? 4 : co == 2 ? 2 : 1;
  const outH = (height - 1) / stride + 1;
  const outW = (width - 1) / stride + 1;
  const ciBytes = <usize>ci << 2;
  const outBytes = ciBytes * 9;
  const pixBytes = <usize>cin << 2;
  const pairBytes = pixBytes * <usize>stride;
  const rowBytes = pixBytes * <usize>(width + 2);
  const yPixBytes = <usize>yStride << 2;
  for (let n = 0; n < batch; n++) {
    for (let h = 0; h < outH; h++) {
      const rowOrigin = x + <usize>(n * (height + 2) + h * stride) * rowBytes;
      const rowOut = y + (<usize>((n * outH + h) * outW) * <usize>yStride + <usize>yOffset) * 4;
      for (let c = 0; c < cout; c += 4) {
        const g0 = <usize>(c / co) * ciBytes;
        const g1 = <usize>((c + 1) / co) * ciBytes;
        const g2 = <usize>((c + 2) / co) * ciBytes;
        const g3 = <usize>((c + 3) / co) * ciBytes;
        const wc = weight + <usize>c * outBytes;
        const cBytes = <usize>c << 2;
        let w = 0;
        for (; w + 1 < outW; w += 2) {
          const origin = rowOrigin + <usize>w * pairBytes;
          const out = rowOut + <usize>w * yPixBytes + cBytes;
          if (share == 4) conv3x3Quad(out, out + yPixBytes, origin, pixBytes, pairBytes, rowBytes, g0, g1, g2, g3, wc, ciBytes, outBytes, true, 4);
          else if (share == 2) conv3x3Quad(out, out + yPixBytes, origin, pixBytes, pairBytes, rowBytes, g0, g1, g2, g3, wc, ciBytes, outBytes, true, 2);
          else conv3x3Quad(out, out + yPixBytes, origin, pixBytes, pairBytes, rowBytes, g0, g1, g2, g3, wc, ciBytes, outBytes, true, 1);
        }
        if (w < outW) {
          const origin = rowOrigin + <usize>w * pairBytes;
          const out = rowOut + <usize>w * yPixBytes + cBytes;
          if (share == 4) conv3x3Quad(out, out + yPixBytes, origin, pixBytes, pairBytes, rowBytes, g0, g1, g2, g3, wc, ciBytes, outBytes, false, 4);
          else if (share == 2) conv3x3Quad(out, out + yPixBytes, origin, pixBytes, pairBytes, rowBytes, g0, g1, g2, g3, wc, ciBytes, outBytes, false, 2);
          else conv3x3Quad(out, out + yPixBytes, origin, pixBytes, pairBytes, rowBytes, g0, g1, g2, g3, wc, ciBytes, outBytes, false, 1);
        }
      }
    }
  }
}

// P (a constant at every call site) vectors of four adjacent output pixels by two output
// channels of one group, from planes: each tap of an input line is one unaligned load, each
// weight a splat, so no lane is wasted and nothing is reduced. weight: [ci][3][3][2].
// @ts-ignore: decorator
@inline
function conv3x3PlanesTile(
  P: i32, x: usize, lineBytes: usize, rowBytes: usize, ci: i32, weight: usize, y: usize, yPixBytes: usize,
): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  let w = weight;
  for (let c = 0; c < ci; c++) {
    const line = x + <usize>c * lineBytes;
    for (let ky: usize = 0; ky < 3; ky++) {
      const tap0 = line + ky * rowBytes;
      for (let kx: usize = 0; kx < 12; kx += 4) {
        const t = tap0 + kx;
        const u = v128.load32_splat(w), v = v128.load32_splat(w, 4);
        const x0 = v128.load(t);
        a0 = madd(a0, x0, u);
        b0 = madd(b0, x0, v);
        if (P > 1) {
          const x1 = v128.load(t, 16);
          a1 = madd(a1, x1, u);
          b1 = madd(b1, x1, v);
        }
        if (P > 2) {
          const x2 = v128.load(t, 32);
          a2 = madd(a2, x2, u);
          b2 = madd(b2, x2, v);
        }
        if (P > 3) {
          const x3 = v128.load(t, 48);
          a3 = madd(a3, x3, u);
          b3 = madd(b3, x3, v);
        }
        w += 8;
      }
    }
  }
  storeChannelPair(y, yPixBytes, a0, b0);
  if (P > 1) storeChannelPair(y + 4 * yPixBytes, yPixBytes, a1, b1);
  if (P > 2) storeChannelPair(y + 8 * yPixBytes, yPixBytes, a2, b2);
  if (P > 3) storeChannelPair(y + 12 * yPixBytes, yPixBytes, a3, b3);
}

// Channels o (a, four pixels) and o + 1 (b) into four NHWC pixels: one 64-bit store per pixel.
// @ts-ignore: decorator
@inline
function storeChannelPair(y: usize, yPixBytes: usize, a: v128, b: v128): void {
  const lo = v128.shuffle<f32>(a, b, 0, 4, 1, 5);
  const hi = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
  v128.store64_lane(y, lo, 0);
  v128.store64_lane(y + yPixBytes, lo, 1);
  v128.store64_lane(y + 2 * yPixBytes, hi, 0);
  v128.store64_lane(y + 3 * yPixBytes, hi, 1);
}

/**
 * groupedConv3x3 (pad 1, stride 1, no bias) reading its input as planes, as
 * condensedConv1x1Planes writes them: [height + 2][cin][pitch] floats, the image at rows
 * 1..height and columns 1..width of each channel's line, zero around it (the padding). Writes
 * its `cout` new channels at channel `yOffset` of NHWC rows of `yStride` floats, like
 * groupedConv3x3.
 *
 * Lanes run over four horizontally adjacent output pixels, 16 pixels by two output channels
 * at a time (conv3x3PlanesTile). Measured 1.4-1.7x groupedConv3x3 where a group has 2 or 4
 * outputs (the first two dense blocks of the paper's models), whose formulations there shuffle
 * or reduce; groupedConv3x3's lanes over 8 outputs stay faster for co a multiple of 8.
 * weight: [groups][co / 2][ci][3][3][2] (packConv3x3WeightPlanes); co even, width a multiple of 4.
 */
export function groupedConv3x3Planes(
  x: usize, height: i32, width: i32, pitch: i32, cin: i32, groups: i32,
  weight: usize, cout: i32, y: usize, yStride: i32, yOffset: i32,
): void {
  const ci = cin / groups;
  const co = cout / groups;
  const lineBytes = <usize>pitch << 2;
  const rowBytes = lineBytes * <usize>cin;
  const yPixBytes = <usize>yStride << 2;
  const pairBytes = <usize>(ci * 18) << 2;
  for (let h = 0; h < height; h++) {
    const rowIn = x + <usize>h * rowBytes;
    const rowOut = y + (<usize>(h * width) * <usize>yStride + <usize>yOffset) * 4;
    for (let g = 0; g < groups; g++) {
      const lines = rowIn + <usize>(g * ci) * lineBytes;
      for (let j = 0; j < co; j += 2) {
        const c = g * co + j;
        const wj = weight + <usize>(c >> 1) * pairBytes;
        const out = rowOut + (<usize>c << 2);
        let w = 0;
        for (; w + 15 < width; w += 16) conv3x3PlanesTile(4, lines + (<usize>w << 2), lineBytes, rowBytes, ci, wj, out + <usize>w * yPixBytes, yPixBytes);
        const left = width - w;
        const at = lines + (<usize>w << 2), to = out + <usize>w * yPixBytes;
        if (left == 12) conv3x3PlanesTile(3, at, lineBytes, rowBytes, ci, wj, to, yPixBytes);
        else if (left == 8) conv3x3PlanesTile(2, at, lineBytes, rowBytes, ci, wj, to, yPixBytes);
        else if (left == 4) conv3x3PlanesTile(1, at, lineBytes, rowBytes, ci, wj, to, yPixBytes);
      }
    }
  }
}

/**
 * 2x2 average pool, stride 2 (the transition between dense blocks): reads `channels` channels of
 * rows of `xStride` floats and writes them at the start of rows of `yStride` floats, i.e. into
 * the next block's feature buffer, where the next block's layers append after them.
 */
export function avgPool2x2(
  x: usize, batch: i32, height: i32, width: i32, channels: i32, xStride: i32,
  y: usize, yStride: i32,
): void {
  const outH = height >> 1;
  const outW = width >> 1;
  const xPix = <usize>xStride << 2;
  const xRow = xPix * <usize>width;
  const yPix = <usize>yStride << 2;
  const vecBytes = <usize>(channels & ~3) << 2;
  const allBytes = <usize>channels << 2;
  const quarter = f32x4.splat(0.25);
  for (let n = 0; n < batch; n++) {
    for (let h = 0; h < outH; h++) {
      for (let w = 0; w < outW; w++) {
        const a = x + <usize>((n * height + 2 * h) * width + 2 * w) * xPix;
        const b = a + xRow;
        const out = y + <usize>((n * outH + h) * outW + w) * yPix;
        let c: usize = 0;
        for (; c < vecBytes; c += 16) {
          const s = f32x4.add(
            f32x4.add(v128.load(a + c), v128.load(a + xPix + c)),
            f32x4.add(v128.load(b + c), v128.load(b + xPix + c)),
          );
          v128.store(out + c, f32x4.mul(s, quarter));
        }
        for (; c < allBytes; c += 4) {
          store<f32>(out + c, (load<f32>(a + c) + load<f32>(a + xPix + c) + load<f32>(b + c) + load<f32>(b + xPix + c)) * 0.25);
        }
      }
    }
  }
}

/**
 * The head's BatchNorm + ReLU + average pool over the whole final map:
 * y[c] = mean over the `pixels` rows of max(x[p, c] * scale[c] + shift[c], 0), rows of
 * `channels` floats. In the kernels (not JavaScript) so that a worker thread can finish an image
 * and hand back only its pooled features.
 */
export function normReluMean(x: usize, pixels: i32, channels: i32, scale: usize, shift: usize, y: usize): void {
  const rowBytes = <usize>channels << 2;
  const vecBytes = <usize>(channels & ~3) << 2;
  const inv = f32(1) / f32(pixels);
  const zero = f32x4.splat(0);
  let c: usize = 0;
  for (; c < vecBytes; c += 16) {
    const sc = v128.load(scale + c), sh = v128.load(shift + c);
    let acc = zero;
    for (let p = 0; p < pixels; p++) {
      acc = f32x4.add(acc, relu4(madd(sh, v128.load(x + <usize>p * rowBytes + c), sc)));
    }
    v128.store(y + c, f32x4.mul(acc, f32x4.splat(inv)));
  }
  for (; c < rowBytes; c += 4) {
    const sc = load<f32>(scale + c), sh = load<f32>(shift + c);
    let acc: f32 = 0;
    for (let p = 0; p < pixels; p++) acc += max<f32>(load<f32>(x + <usize>p * rowBytes + c) * sc + sh, 0);
    store<f32>(y + c, acc * inv);
  }
}

/**
 * The head's condensing Linear on `batch` pooled feature vectors (rows of `features` floats):
 * y[n, o] = bias[o] + sum over t < kept of weight[o, t] * x[n, index[t]], index in bytes within a
 * row. weight is [classes][K] with K = kept rounded up to a multiple of 4, zero-padded; each
 * image's kept features are gathered once into `scratch` (K floats, the padding zeroed), then
 * four classes at a time share every gathered vector and are reduced with one transpose-add.
 */
export function condensingLinear(
  x: usize, batch: i32, features: i32, index: usize, kept: i32,
  weight: usize, bias: usize, classes: i32, y: usize, scratch: usize,
): void {
  const K = (kept + 3) & ~3;
  const kBytes = <usize>K << 2;
  for (let n = 0; n < batch; n++) {
    const row = x + <usize>(n * features) * 4;
    for (let t = 0; t < kept; t++) store<f32>(scratch + (<usize>t << 2), load<f32>(row + <usize>load<i32>(index + (<usize>t << 2))));
    for (let t = kept; t < K; t++) store<f32>(scratch + (<usize>t << 2), 0);
    const out = y + <usize>(n * classes) * 4;
    let o = 0;
    for (; o + 3 < classes; o += 4) {
      const w = weight + <usize>o * kBytes;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      for (let i: usize = 0; i < kBytes; i += 16) {
        const g = v128.load(scratch + i);
        a0 = madd(a0, g, v128.load(w + i));
        a1 = madd(a1, g, v128.load(w + kBytes + i));
        a2 = madd(a2, g, v128.load(w + 2 * kBytes + i));
        a3 = madd(a3, g, v128.load(w + 3 * kBytes + i));
      }
      v128.store(out + (<usize>o << 2), f32x4.add(horizontalSums(a0, a1, a2, a3), v128.load(bias + (<usize>o << 2))));
    }
    for (; o < classes; o++) {
      const w = weight + <usize>o * kBytes;
      let a = f32x4.splat(0);
      for (let i: usize = 0; i < kBytes; i += 16) a = madd(a, v128.load(scratch + i), v128.load(w + i));
      store<f32>(out + (<usize>o << 2), f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3) + load<f32>(bias + (<usize>o << 2)));
    }
  }
}
