/**
 * Scales an HWC uint8 image so its shorter side is `size`, then cuts the centred
 * size x size square, in one separable pass over only the kept pixels. The triangle
 * filter widens with the downscale factor (as PIL's antialiased bilinear does), so
 * shrinking a photo by 10x averages its pixels instead of aliasing.
 */
export function resizeShorterSideCenterCrop(src: Uint8Array, height: number, width: number, channels: number, size: number): Uint8Array {
  if (!Number.isInteger(size) || size < 1) throw new Error(`resize target must be a positive integer, got ${size}`);
  const scale = size / Math.min(height, width);
  const resizedH = Math.max(size, Math.round(height * scale));
  const resizedW = Math.max(size, Math.round(width * scale));
  const rows = axisWeights(height, scale, Math.floor((resizedH - size) / 2), size);
  const cols = axisWeights(width, scale, Math.floor((resizedW - size) / 2), size);
  const c = channels;

  const horizontal = new Float32Array(height * size * c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < size; x++) {
      const { first, weights } = cols[x];
      for (let k = 0; k < c; k++) {
        let acc = 0;
        for (let t = 0; t < weights.length; t++) acc += weights[t] * src[(y * width + first + t) * c + k];
        horizontal[(y * size + x) * c + k] = acc;
      }
    }
  }
  const out = new Uint8Array(size * size * c);
  for (let y = 0; y < size; y++) {
    const { first, weights } = rows[y];
    for (let x = 0; x < size; x++) {
      for (let k = 0; k < c; k++) {
        let acc = 0;
        for (let t = 0; t < weights.length; t++) acc += weights[t] * horizontal[((first + t) * size + x) * c + k];
        out[(y * size + x) * c + k] = Math.min(255, Math.max(0, Math.round(acc)));
      }
    }
  }
  return out;
}

interface Taps {
  readonly first: number;
  readonly weights: Float64Array;
}

/** Source taps of output samples offset..offset+count-1 along one axis of length n. */
function axisWeights(n: number, scale: number, offset: number, count: number): Taps[] {
  const support = Math.max(1, 1 / scale);
  const taps: Taps[] = [];
  for (let i = 0; i < count; i++) {
    const center = (i + offset + 0.5) / scale;
    const first = Math.max(0, Math.floor(center - support));
    const last = Math.min(n - 1, Math.ceil(center + support));
    const weights = new Float64Array(last - first + 1);
    let total = 0;
    for (let s = first; s <= last; s++) {
      const w = Math.max(0, 1 - Math.abs(s + 0.5 - center) / support);
      weights[s - first] = w;
      total += w;
    }
    if (total === 0) {
      // Only when upscaling a 1-pixel axis: every tap sits exactly one support away.
      weights.fill(1 / weights.length);
    } else {
      for (let t = 0; t < weights.length; t++) weights[t] /= total;
    }
    taps.push({ first, weights });
  }
  return taps;
}
