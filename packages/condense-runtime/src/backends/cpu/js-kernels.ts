import type { KernelExports } from '../wasm/exports.js';
import { conv1x1WeightRun } from '../wasm/condensed-conv1x1.js';
import { conv1x1PlanesWeightAt } from '../wasm/condensed-conv1x1-planes.js';
import { conv3x3LaneWidth, conv3x3WeightAt } from '../wasm/grouped-conv3x3.js';
import { conv3x3PlanesWeightAt } from '../wasm/grouped-conv3x3-planes.js';

/**
 * asm/kernels.ts in plain JavaScript over a WebAssembly.Memory, reading the same packed operands
 * at the same byte addresses, so everything built on the kernels runs unchanged on either. The
 * loops follow the data layouts, not the SIMD lane tricks (see asm/kernels.ts for those).
 */
export function javascriptKernels(): KernelExports {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const f32 = () => new Float32Array(memory.buffer);
  const i32 = () => new Int32Array(memory.buffer);

  return {
    memory,
    heapBase: () => 16,
    relaxedSimd: () => 0,

    condensedConv1x1(x, xStride, spans, spanPixels, index, scale, shift, weight, bias, relu, quads, K, kOut, y, yStride, ySpanPitch, yOffset, scratch) {
      const f = f32();
      const idx = i32();
      const G = quads * 4;
      const a = scratch >> 2;
      const [sc, sh, w, b] = [scale >> 2, shift >> 2, weight >> 2, bias >> 2];
      for (let s = 0; s < spans; s++) {
        for (let j = 0; j < spanPixels; j++) {
          const row = (x >> 2) + (s * spanPixels + j) * xStride;
          const out = (y >> 2) + s * ySpanPitch + j * yStride + yOffset;
          for (let q = 0; q < quads; q++) {
            const slots = q * K * 4;
            // Gathered, normalised and activated inputs of quad q: [K][4] (lane = group 4q + l).
            for (let e = 0; e < K * 4; e++) {
              const v = f[row + (idx[(index >> 2) + slots + e] >> 2)] * f[sc + slots + e] + f[sh + slots + e];
              f[a + e] = Math.max(v, 0);
            }
            for (let m = 0; m < kOut; m++) {
              const run = conv1x1WeightRun(q, m, K, kOut);
              for (let l = 0; l < 4; l++) {
                const c = m * G + 4 * q + l;
                const wl = w + run.start * 4 + l;
                let acc = f[b + c];
                for (let t = 0; t < K; t++) acc += f[a + t * 4 + l] * f[wl + t * run.step * 4];
                f[out + c] = relu && acc < 0 ? 0 : acc;
              }
            }
          }
        }
      }
    },

    condensedConv1x1Planes(x, xStride, rows, width, index, scale, shift, weight, bias, relu, groups, K, kOut, y, yRowPitch, yPlanePitch, scratch) {
      const f = f32();
      const idx = i32();
      const [sc, sh, w, b] = [scale >> 2, shift >> 2, weight >> 2, bias >> 2];
      // Gathered, normalised and activated inputs of one group: [K].
      const a = scratch >> 2;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < width; j++) {
          const row = (x >> 2) + (r * width + j) * xStride;
          const out = (y >> 2) + r * yRowPitch + j;
          for (let g = 0; g < groups; g++) {
            for (let t = 0; t < K; t++) {
              const e = g * K + t;
              f[a + t] = Math.max(f[row + (idx[(index >> 2) + e] >> 2)] * f[sc + e] + f[sh + e], 0);
            }
            for (let m = 0; m < kOut; m++) {
              const c = m * groups + g;
              const wm = w + conv1x1PlanesWeightAt(g, m, 0, K, kOut);
              let acc = f[b + c];
              // Slot t + 1 is four floats after slot t ([G][kOut / 4][K][4]).
              for (let t = 0; t < K; t++) acc += f[a + t] * f[wm + t * 4];
              f[out + c * yPlanePitch] = relu && acc < 0 ? 0 : acc;
            }
          }
        }
      }
    },

    groupedConv3x3Planes(x, height, width, pitch, cin, groups, weight, cout, y, yStride, yOffset) {
      const f = f32();
      const ci = cin / groups;
      const co = cout / groups;
      const rowF = cin * pitch;
      for (let h = 0; h < height; h++) {
        for (let w = 0; w < width; w++) {
          const out = (y >> 2) + (h * width + w) * yStride + yOffset;
          for (let c = 0; c < cout; c++) {
            const g = Math.floor(c / co) * ci;
            let acc = 0;
            for (let i = 0; i < ci; i++) {
              for (let ky = 0; ky < 3; ky++) {
                const line = (x >> 2) + (h + ky) * rowF + (g + i) * pitch + w;
                for (let kx = 0; kx < 3; kx++) acc += f[line + kx] * f[(weight >> 2) + conv3x3PlanesWeightAt(c, ky * 3 + kx, i, ci)];
              }
            }
            f[out + c] = acc;
          }
        }
      }
    },

    groupedConv3x3(x, batch, height, width, cin, groups, weight, cout, stride, y, yStride, yOffset) {
      const f = f32();
      const ci = cin / groups;
      const co = cout / groups;
      const outH = Math.floor((height - 1) / stride) + 1;
      const outW = Math.floor((width - 1) / stride) + 1;
      const rowF = (width + 2) * cin;
      const w0 = weight >> 2;
      const laneWidth = conv3x3LaneWidth(co, groups);
      for (let n = 0; n < batch; n++) {
        for (let h = 0; h < outH; h++) {
          for (let w = 0; w < outW; w++) {
            const origin = (x >> 2) + (n * (height + 2) + h * stride) * rowF + w * stride * cin;
            const out = (y >> 2) + ((n * outH + h) * outW + w) * yStride + yOffset;
            for (let c = 0; c < cout; c++) {
              const g = Math.floor(c / co) * ci;
              let acc = 0;
              for (let ky = 0; ky < 3; ky++) {
                for (let kx = 0; kx < 3; kx++) {
                  const px = origin + ky * rowF + kx * cin + g;
                  // Input i of the tap is laneWidth floats after input i - 1 ([...][ci][W]).
                  const wt = w0 + conv3x3WeightAt(c, ky * 3 + kx, 0, ci, laneWidth);
                  for (let i = 0; i < ci; i++) acc += f[px + i] * f[wt + i * laneWidth];
                }
              }
              f[out + c] = acc;
            }
          }
        }
      }
    },

    avgPool2x2(x, batch, height, width, channels, xStride, y, yStride) {
      const f = f32();
      const outH = height >> 1;
      const outW = width >> 1;
      for (let n = 0; n < batch; n++) {
        for (let h = 0; h < outH; h++) {
          for (let w = 0; w < outW; w++) {
            const a = (x >> 2) + ((n * height + 2 * h) * width + 2 * w) * xStride;
            const b = a + width * xStride;
            const out = (y >> 2) + ((n * outH + h) * outW + w) * yStride;
            for (let c = 0; c < channels; c++) f[out + c] = (f[a + c] + f[a + xStride + c] + f[b + c] + f[b + xStride + c]) * 0.25;
          }
        }
      }
    },

    normReluMean(x, pixels, channels, scale, shift, y) {
      const f = f32();
      const [x0, sc, sh, y0] = [x >> 2, scale >> 2, shift >> 2, y >> 2];
      for (let c = 0; c < channels; c++) {
        let acc = 0;
        for (let p = 0; p < pixels; p++) acc += Math.max(f[x0 + p * channels + c] * f[sc + c] + f[sh + c], 0);
        f[y0 + c] = acc / pixels;
      }
    },

    condensingLinear(x, batch, features, index, kept, weight, bias, classes, y) {
      const f = f32();
      const idx = i32();
      const K = (kept + 3) & ~3;
      for (let n = 0; n < batch; n++) {
        const row = (x >> 2) + n * features;
        for (let o = 0; o < classes; o++) {
          let acc = f[(bias >> 2) + o];
          for (let t = 0; t < kept; t++) acc += f[(weight >> 2) + o * K + t] * f[row + (idx[(index >> 2) + t] >> 2)];
          f[(y >> 2) + n * classes + o] = acc;
        }
      }
    },
  };
}
