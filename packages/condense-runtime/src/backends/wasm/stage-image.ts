/** The stem's input channels, padded to a whole SIMD vector. */
export const STEM_CHANNELS = 4;

/** Op.stage's arguments after the image offsets: what stageImageRows needs besides the memory. */
export interface StageRows {
  /** The images as given: NHWC, `inChannels` floats a pixel, in [0, 1]. */
  raw: number;
  size: number;
  inChannels: number;
  /** Rows [from, to) of the image to write, with the border rows next to them. */
  from: number;
  to: number;
  /** The zero-bordered input [(size + 2)^2][STEM_CHANNELS]. */
  dst: number;
  /** Eight float64: the mean then the std of each of STEM_CHANNELS channels (0 and 1 past inChannels). */
  norm: number;
}

/**
 * Normalises rows [from, to) of one image into the zero-bordered input the stem reads, writing
 * every float those rows own: the border pixels at both ends, the padding channels, and the
 * border row above row 0 or below the last row when the range holds it. So the input needs no
 * zero fill, and threads staging disjoint row ranges write disjoint bytes. Plain JavaScript in
 * double precision, (x - mean) / std, as every build of the kernels and their port share it.
 */
export function stageImageRows(memory: WebAssembly.Memory, s: StageRows): void {
  const { size, inChannels, from, to } = s;
  const f = new Float32Array(memory.buffer);
  const norm = new Float64Array(memory.buffer, s.norm, 2 * STEM_CHANNELS);
  // Channels unrolled (at most STEM_CHANNELS): a loop over them ran 4x slower in V8.
  const [m0, m1, m2, m3] = [norm[0], norm[1], norm[2], norm[3]];
  const [s0, s1, s2, s3] = [norm[4], norm[5], norm[6], norm[7]];
  const bordered = size + 2;
  const rowFloats = bordered * STEM_CHANNELS;
  const dst = s.dst >> 2;
  if (from === 0) f.fill(0, dst, dst + rowFloats);
  if (to === size) f.fill(0, dst + (size + 1) * rowFloats, dst + (size + 2) * rowFloats);
  let at = (s.raw >> 2) + from * size * inChannels;
  for (let h = from; h < to; h++) {
    const row = dst + (h + 1) * rowFloats;
    f.fill(0, row, row + STEM_CHANNELS);
    f.fill(0, row + (size + 1) * STEM_CHANNELS, row + rowFloats);
    let to4 = row + STEM_CHANNELS;
    for (let w = 0; w < size; w++, at += inChannels, to4 += STEM_CHANNELS) {
      f[to4] = (f[at] - m0) / s0;
      f[to4 + 1] = inChannels > 1 ? (f[at + 1] - m1) / s1 : 0;
      f[to4 + 2] = inChannels > 2 ? (f[at + 2] - m2) / s2 : 0;
      f[to4 + 3] = inChannels > 3 ? (f[at + 3] - m3) / s3 : 0;
    }
  }
}
