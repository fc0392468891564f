/**
 * WGSL programs for the condensed layers, in the shape @tensorflow/tfjs-backend-webgpu 4.22 runs
 * through `WebGPUBackend.runWebGPUProgram`: the backend prepends bindings (`result`, then one
 * `array` per variable name, then `uniforms`, a struct of every input's and the output's shape
 * plus the fields named in `uniforms`) and calls `main(index)` with the flat invocation index
 * (the dispatch layout here is flat). Sizes are uniforms, not constants, so one pipeline per
 * program serves every layer of every model; the backend caches it under `shaderKey` plus the
 * inputs' ranks and dtypes.
 *
 * Everything is typed here rather than imported from the backend package: that package is an
 * optional peer, and a session reaches the backend object through `tf.backend()`.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { CondensedConv1x1Params } from '../layer-weights.js';
import { shuffleCondensedConv1x1 } from '../shuffled-conv1x1.js';

export type Uniform = { type: 'int32' | 'float32'; data: number[] };

/** The fields of tfjs-backend-webgpu's `WebGPUProgram` these programs set. */
export interface WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  variableComponents?: number[];
  uniforms: string;
  workgroupSize: [number, number, number];
  getUserCode(): string;
}

const WORKGROUP = 64;

/**
 * A program over `work` independent invocations. A new object per run: the backend rewrites
 * `shaderKey` and `dispatch` on the object it is given.
 */
function program(
  key: string, outputShape: number[], work: number, variableNames: string[], uniforms: string, body: string, variableComponents?: number[],
): WebGPUProgram {
  return {
    outputShape,
    shaderKey: `condensenet_${key}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    // The backend folds a dispatch wider than the device allows into 2-D; `work` bounds it.
    dispatch: [Math.ceil(work / WORKGROUP), 1, 1],
    variableNames,
    ...(variableComponents ? { variableComponents } : {}),
    uniforms: `work : i32, ${uniforms}`,
    workgroupSize: [WORKGROUP, 1, 1],
    getUserCode: () => `
      fn main(index : i32) {
        if (index >= uniforms.work) {
          return;
        }
        ${body}
      }`,
  };
}

const ints = (...values: number[]): Uniform[] => values.map((v) => ({ type: 'int32', data: [v] }));

/** The condensed 1x1 packed for `condensedConv1x1Program`. */
export interface WebGPUConv1x1Operands {
  /** Gathered input channel per slot g*K + t (as stored). */
  index: Int32Array;
  /** Folded BatchNorm per slot, interleaved (scale, shift). */
  scaleShift: Float32Array;
  /** [G][K][quads][4]: outputs m = 4q..4q+3 of group g (zero past kOut), after-norm scale folded in. */
  weight: Float32Array;
  /** Per output channel in shuffled order: the after-norm shift, or 0. */
  bias: Float32Array;
  relu: boolean;
  groups: number;
  K: number;
  kOut: number;
  quads: number;
  outChannels: number;
}

/**
 * Lays a condensed layer out for `condensedConv1x1Program`. Unlike the SIMD kernel's packing,
 * any group count works: an invocation's four outputs come from one group, not four.
 */
export function packWebGPUConv1x1(p: CondensedConv1x1Params): WebGPUConv1x1Operands {
  const { groups: G, K, outChannels, kOut, before, weight: rows, bias, relu } = shuffleCondensedConv1x1(p, 'packWebGPUConv1x1');
  const slots = G * K;
  const quads = Math.ceil(kOut / 4);
  const scaleShift = new Float32Array(2 * slots);
  for (let s = 0; s < slots; s++) {
    scaleShift[2 * s] = before.scale[s];
    scaleShift[2 * s + 1] = before.shift[s];
  }
  const weight = new Float32Array(slots * quads * 4);
  for (let g = 0; g < G; g++) {
    for (let m = 0; m < kOut; m++) {
      const c = m * G + g;
      for (let t = 0; t < K; t++) weight[((g * K + t) * quads + (m >> 2)) * 4 + (m & 3)] = rows[c * K + t];
    }
  }
  return { index: p.index, scaleShift, weight, bias, relu, groups: G, K, kOut, quads, outChannels };
}

/**
 * Fused condensed 1x1 (L-Conv): per pixel, gather the slots' input channels, BatchNorm + ReLU,
 * grouped 1x1, then the optional following BatchNorm + ReLU, written in the shuffled channel
 * order. One invocation computes four outputs of one group, so each gathered and normalised
 * input is read once per four multiply-adds instead of once per output.
 *
 * x: the block's feature map [N, H, W, C] (read at the indexed channels only); operands as
 * tensors from `WebGPUConv1x1Operands` (index int32, scaleShift, weight, bias float32).
 */
export function condensedConv1x1Program(
  x: TensorInfo, ops: WebGPUConv1x1Operands,
): { program: WebGPUProgram; uniforms: Uniform[] } {
  const [n, h, w, channels] = x.shape;
  const pixels = n * h * w;
  const work = pixels * ops.groups * ops.quads;
  return {
    program: program(
      'conv1x1',
      [n, h, w, ops.outChannels],
      work,
      ['x', 'gatherIndex', 'scaleShift', 'weight', 'bias'],
      'xStride : i32, groups : i32, K : i32, quads : i32, kOut : i32, outChannels : i32, relu : i32,',
      `
        let perPixel = uniforms.groups * uniforms.quads;
        let p = index / perPixel;
        let r = index - p * perPixel;
        let g = r / uniforms.quads;
        let q = r - g * uniforms.quads;
        let row = p * uniforms.xStride;
        var acc = vec4<f32>(0.0);
        for (var t = 0; t < uniforms.K; t++) {
          let slot = g * uniforms.K + t;
          let norm = scaleShift[slot];
          let v = max(x[row + gatherIndex[slot]] * norm.x + norm.y, 0.0);
          acc = acc + v * weight[slot * uniforms.quads + q];
        }
        for (var l = 0; l < 4; l++) {
          let m = 4 * q + l;
          if (m < uniforms.kOut) {
            let c = m * uniforms.groups + g;
            var value = acc[l] + bias[c];
            if (uniforms.relu != 0) {
              value = max(value, 0.0);
            }
            result[p * uniforms.outChannels + c] = value;
          }
        }`,
      [1, 1, 2, 4, 1],
    ),
    uniforms: ints(work, channels, ops.groups, ops.K, ops.quads, ops.kOut, ops.outChannels, ops.relu ? 1 : 0),
  };
}

/**
 * Grouped 3x3, pad 1, stride 1 or 2, no bias: one invocation per output value. Writes channels
 * yOffset.. of an output whose rows hold yChannels, so a dense layer appends its growth channels
 * to the block's feature map in place (no concat).
 *
 * x: [N, H, W, cin]; weight [cout][3][3][cin/groups].
 */
export function groupedConv3x3Program(
  x: TensorInfo, p: { outChannels: number; groups: number; stride: number; output: { shape: number[]; offset: number } },
): { program: WebGPUProgram; uniforms: Uniform[] } {
  const [n, height, width, cin] = x.shape;
  const [, outH, outW, yChannels] = p.output.shape;
  const work = n * outH * outW * p.outChannels;
  return {
    program: program(
      'conv3x3',
      p.output.shape,
      work,
      ['x', 'weight'],
      'height : i32, width : i32, cin : i32, ci : i32, co : i32, cout : i32, stride : i32, outH : i32, outW : i32, yChannels : i32, yOffset : i32,',
      `
        let o = index % uniforms.cout;
        let pixel = index / uniforms.cout;
        let ox = pixel % uniforms.outW;
        let oy = (pixel / uniforms.outW) % uniforms.outH;
        let b = pixel / (uniforms.outW * uniforms.outH);
        let channel0 = (o / uniforms.co) * uniforms.ci;
        var acc = 0.0;
        for (var ky = 0; ky < 3; ky++) {
          let iy = oy * uniforms.stride + ky - 1;
          if (iy < 0 || iy >= uniforms.height) {
            continue;
          }
          for (var kx = 0; kx < 3; kx++) {
            let ix = ox * uniforms.stride + kx - 1;
            if (ix < 0 || ix >= uniforms.width) {
              continue;
            }
            let start = ((b * uniforms.height + iy) * uniforms.width + ix) * uniforms.cin + channel0;
            let taps = ((o * 3 + ky) * 3 + kx) * uniforms.ci;
            for (var i = 0; i < uniforms.ci; i++) {
              acc = acc + x[start + i] * weight[taps + i];
            }
          }
        }
        result[pixel * uniforms.yChannels + uniforms.yOffset + o] = acc;`,
    ),
    uniforms: ints(work, height, width, cin, cin / p.groups, p.outChannels / p.groups, p.outChannels, p.stride, outH, outW, yChannels, p.output.offset),
  };
}

/**
 * The transition's 2x2 average pool, stride 2: all channels of x into channels 0.. of an output
 * with wider rows (the next block's feature map, whose later channels its layers fill).
 */
export function avgPool2x2Program(x: TensorInfo, outputShape: number[]): { program: WebGPUProgram; uniforms: Uniform[] } {
  const [n, height, width, channels] = x.shape;
  const [, outH, outW, yChannels] = outputShape;
  const work = n * outH * outW * channels;
  return {
    program: program(
      'avgpool2x2',
      outputShape,
      work,
      ['x'],
      'height : i32, width : i32, channels : i32, outH : i32, outW : i32, yChannels : i32,',
      `
        let c = index % uniforms.channels;
        let pixel = index / uniforms.channels;
        let ox = pixel % uniforms.outW;
        let oy = (pixel / uniforms.outW) % uniforms.outH;
        let b = pixel / (uniforms.outW * uniforms.outH);
        let rowStride = uniforms.width * uniforms.channels;
        let first = ((b * uniforms.height + 2 * oy) * uniforms.width + 2 * ox) * uniforms.channels + c;
        let sum = x[first] + x[first + uniforms.channels] + x[first + rowStride] + x[first + rowStride + uniforms.channels];
        result[pixel * uniforms.yChannels + c] = 0.25 * sum;`,
    ),
    uniforms: ints(work, height, width, channels, outH, outW, yChannels),
  };
}
