/**
 * GLSL programs for the condensed layers, in the shape @tensorflow/tfjs-backend-webgl 4.22 runs
 * through `MathBackendWebGL.compileAndRun`: a fragment shader per output value, whose `main`
 * reads its position from `getOutputCoords()`, samples each input by its variable name
 * (`getX(b, y, x, c)`, at the input's logical rank) and calls `setOutput`. The backend prepends
 * those helpers (and `imod`), unpacks packed inputs itself, and caches each compiled program
 * under its user code plus the inputs' and output's shapes.
 *
 * Sizes are compile-time constants in the source rather than uniforms: the backend's key holds
 * the shapes anyway (unless WEBGL_USE_SHAPES_UNIFORMS), so uniforms would not save a compile,
 * and constant loop bounds are what WebGL 1's GLSL ES 1.00 requires.
 *
 * Everything is typed here rather than imported from the backend package: that package is an
 * optional peer, and a session reaches the backend object through `tf.backend()`.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { CondensedConv1x1Params } from '../layer-weights.js';
import { shuffleCondensedConv1x1 } from '../shuffled-conv1x1.js';

/** The fields of tfjs-backend-webgl's `GPGPUProgram` these programs set. */
export interface WebGLProgram {
  variableNames: string[];
  outputShape: number[];
  userCode: string;
}

/** The condensed 1x1 laid out for `condensedConv1x1Program` (2-D tensors, one row per group or output). */
export interface WebGLConv1x1Operands {
  /** [G, K]: gathered input channel of slot t of group g (as stored). */
  index: Int32Array;
  /** [G, K] each: BatchNorm folded per slot. */
  scale: Float32Array;
  shift: Float32Array;
  /** [O, K] in shuffled channel order: row c = m*G + g is grouped row g*kOut + m, after-norm scale folded in. */
  weight: Float32Array;
  /** [O]: the after-norm shift per shuffled channel, or 0. */
  bias: Float32Array;
  relu: boolean;
  groups: number;
  K: number;
  outChannels: number;
}

/**
 * Lays a condensed layer out for `condensedConv1x1Program`. Rows of the weight are already in
 * the shuffled order, so a shader invocation for output channel c reads row c; any group count
 * and any outputs per group work.
 */
export function packWebGLConv1x1(p: CondensedConv1x1Params): WebGLConv1x1Operands {
  const { groups, K, outChannels, before, weight, bias, relu } = shuffleCondensedConv1x1(p, 'packWebGLConv1x1');
  return { index: p.index, scale: before.scale, shift: before.shift, weight, bias, relu, groups, K, outChannels };
}

/**
 * Fused condensed 1x1 (L-Conv): per output value, gather its group's input channels,
 * BatchNorm + ReLU, the group's dot product, then the optional following BatchNorm + ReLU, at
 * the shuffled channel position. Reading only the indexed channels of the block's feature map
 * replaces the stock path's gather (a full copy of the selected channels) and its
 * block-diagonal dense conv (G times the multiply-adds).
 *
 * Inputs: x, the block's feature map [N, H, W, C]; then index [G, K], scale [G, K],
 * shift [G, K], weight [O, K], bias [O] from `WebGLConv1x1Operands`.
 */
export function condensedConv1x1Program(x: TensorInfo, ops: WebGLConv1x1Operands): WebGLProgram {
  const [n, h, w] = x.shape;
  return {
    variableNames: ['x', 'gatherIndex', 'scale', 'shift', 'weight', 'bias'],
    outputShape: [n, h, w, ops.outChannels],
    userCode: `
      void main() {
        ivec4 coords = getOutputCoords();
        int c = coords[3];
        int g = imod(c, ${ops.groups});
        float acc = getBias(c);
        for (int t = 0; t < ${ops.K}; t++) {
          // Indices arrive as float texels; rounding keeps an exactly stored integer exact.
          int channel = int(getGatherIndex(g, t) + 0.5);
          float v = max(getX(coords[0], coords[1], coords[2], channel) * getScale(g, t) + getShift(g, t), 0.0);
          acc += v * getWeight(c, t);
        }
        setOutput(${ops.relu ? 'max(acc, 0.0)' : 'acc'});
      }`,
  };
}

/**
 * Grouped 3x3, pad 1, stride 1 or 2, no bias, one output value per invocation. With `prev`
 * (the block's feature map so far) the output is prev's channels followed by the new ones:
 * WebGL programs cannot write into part of an existing texture, so a dense layer's
 * concatenation is this copy, done in the same pass instead of a separate concat.
 *
 * Inputs: x [N, H, W, cin], weight [cout, 3, 3, cin/groups], then prev [N, outH, outW, Cprev]
 * when given.
 */
export function groupedConv3x3Program(
  x: TensorInfo, p: { outChannels: number; groups: number; stride: number; outSize: [number, number]; prev?: TensorInfo },
): WebGLProgram {
  const [n, height, width, cin] = x.shape;
  const [outH, outW] = p.outSize;
  const prevChannels = p.prev ? p.prev.shape[3] : 0;
  if (p.prev && (p.prev.shape[0] !== n || p.prev.shape[1] !== outH || p.prev.shape[2] !== outW)) {
    throw new Error(`groupedConv3x3Program: prev has shape [${p.prev.shape}], expected [${n}, ${outH}, ${outW}, *]`);
  }
  const ci = cin / p.groups;
  const co = p.outChannels / p.groups;
  const conv = `
          int o = c - ${prevChannels};
          int channel0 = (o / ${co}) * ${ci};
          float acc = 0.0;
          for (int ky = 0; ky < 3; ky++) {
            int iy = coords[1] * ${p.stride} + ky - 1;
            if (iy < 0 || iy >= ${height}) {
              continue;
            }
            for (int kx = 0; kx < 3; kx++) {
              int ix = coords[2] * ${p.stride} + kx - 1;
              if (ix < 0 || ix >= ${width}) {
                continue;
              }
              for (int i = 0; i < ${ci}; i++) {
                acc += getX(coords[0], iy, ix, channel0 + i) * getWeight(o, ky, kx, i);
              }
            }
          }
          setOutput(acc);`;
  return {
    variableNames: p.prev ? ['x', 'weight', 'prev'] : ['x', 'weight'],
    outputShape: [n, outH, outW, prevChannels + p.outChannels],
    userCode: `
      void main() {
        ivec4 coords = getOutputCoords();
        int c = coords[3];
        ${p.prev ? `if (c < ${prevChannels}) {
          setOutput(getPrev(coords[0], coords[1], coords[2], c));
        } else {${conv}
        }` : conv}
      }`,
  };
}

/** The transition's 2x2 average pool, stride 2; an odd last row or column is dropped, as PyTorch's AvgPool2d(2) does. */
export function avgPool2x2Program(x: TensorInfo): WebGLProgram {
  const [n, height, width, channels] = x.shape;
  return {
    variableNames: ['x'],
    outputShape: [n, Math.floor(height / 2), Math.floor(width / 2), channels],
    userCode: `
      void main() {
        ivec4 coords = getOutputCoords();
        int b = coords[0];
        int iy = 2 * coords[1];
        int ix = 2 * coords[2];
        int c = coords[3];
        setOutput(0.25 * (getX(b, iy, ix, c) + getX(b, iy, ix + 1, c) + getX(b, iy + 1, ix, c) + getX(b, iy + 1, ix + 1, c)));
      }`,
  };
}
