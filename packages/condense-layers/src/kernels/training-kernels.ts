// tfjs kernels of this package's training ops: SIMD WebAssembly on the wasm backend (in place
// on its memory), the JavaScript port on cpu. Other backends (webgl, webgpu) have none and the
// ops use stock tfjs there.
import * as tf from '@tensorflow/tfjs-core';
import * as js from './js-kernels.js';
import { channelKernelConfigs } from './channel-kernels.js';
import { shareIdentityOnWasm } from './shared-identity.js';
import { wasmOffset, wasmTrainKernels, type WasmBackendLike } from './wasm-kernels.js';

export const CONCAT_CHANNELS = 'CondenseConcatChannels';
export const SLICE_CHANNELS = 'CondenseSliceChannels';
export const MAT_MUL_AT_B = 'CondenseMatMulAtB';
/** Inputs a [rows, k], b [k, n] (n a multiple of 4); output a x b [rows, n]. */
export const MAT_MUL = 'CondenseMatMul';
/** Inputs x [n, h, w, cin], filter packed [cout][k][k][ci]; attrs GroupConvAttrs. */
export const GROUP_CONV_FORWARD = 'CondenseGroupConv2d';
/** Inputs dy [n, oh, ow, cout], filter packed [k][k][cout][ci]; attrs GroupConvAttrs + inputShape. */
export const GROUP_CONV_INPUT_GRAD = 'CondenseGroupConv2dInputGrad';
/** Inputs x, dy; attrs GroupConvAttrs + k; output packed [k][k][cout][ci]. */
export const GROUP_CONV_FILTER_GRAD = 'CondenseGroupConv2dFilterGrad';

/** Input x [..., c]; outputs mean and biased variance [c]. */
export const BN_STATS = 'CondenseBatchNormStats';
/** Inputs x, mean, scale, beta; attrs { relu }: (x - mean) * scale + beta, rectified. */
export const BN_APPLY = 'CondenseBatchNormApply';
/** Inputs x, dy, mean, scale, beta; attrs { relu }; outputs sum dz, sum dz * (x - mean) [c]. */
export const BN_BACKWARD_SUMS = 'CondenseBatchNormBackwardSums';
/** Inputs as BN_BACKWARD_SUMS plus kCentered, kConst; attrs { relu, activation }; outputs dx (and the activation). */
export const BN_BACKWARD_APPLY = 'CondenseBatchNormBackwardApply';

/**
 * The condensed 1x1 conv (asm/train-kernels.ts): groups G (a multiple of 4), k kept channels
 * per group, index [k * G] int32 (tap-major, group-minor), packed weight wq [k, O], the
 * activation act [rows, r] (all r channels). Inputs act, wq, index; attrs { groups }; output
 * y [rows, O].
 */
export const CONDENSED_FORWARD = 'CondenseCondensedConv1x1';
/** Inputs dy [rows, O], wq, index; attrs { groups, channels: r }; output dx [rows, r]. */
export const CONDENSED_INPUT_GRAD = 'CondenseCondensedConv1x1InputGrad';
/** Inputs act, dy, index; attrs { groups }; output dwq [k, O]. */
export const CONDENSED_FILTER_GRAD = 'CondenseCondensedConv1x1FilterGrad';

/** Inputs x (any shape), index int32 [m]; output [m]: x's flat elements at index. */
export const GATHER_FLOATS = 'CondenseGatherFloats';
/** Inputs x [m], index int32 [m]; attrs { shape }; output of that shape, x at the flat positions index, 0 elsewhere. */
export const SCATTER_FLOATS = 'CondenseScatterFloats';

export interface GroupConvAttrs {
  groups: number;
  stride: number;
  pad: number;
}

type Info = tf.TensorInfo;
/** What the kernels use of tfjs-wasm's and tfjs-cpu's backends (neither is a dependency). */
export interface WasmBackend extends WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  disposeData(dataId: object): boolean;
}

// Rows the condensed kernels gather per pass (asm/train-kernels.ts's CHUNK).
const GATHER_ROWS = 128;

/** Runs `use` with a scratch buffer of `floats` in the backend's memory (byte offset), then frees it. */
function withScratch(b: WasmBackend, floats: number, use: (at: number) => void): void {
  const scratch = b.makeOutput([floats], 'float32');
  try {
    use(wasmOffset(b, scratch.dataId));
  } finally {
    b.disposeData(scratch.dataId);
  }
}
export interface CpuBackend {
  data: { get(dataId: object): { values?: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): Info;
}

const BACKENDS = ['wasm', 'cpu'] as const;
let registered = false;

/**
 * Whether `backend` (the active one's name) has the kernels. Not tfjs-wasm's threaded build,
 * whose memory is shared: the module imports an unshared one (Node always runs the unthreaded
 * build; browsers do unless the page is cross-origin isolated).
 */
export function hasTrainingKernels(backend: string): boolean {
  if (!(BACKENDS as readonly string[]).includes(backend)) return false;
  return backend !== 'wasm' || !isSharedMemory((tf.backend() as unknown as WasmBackendLike).wasm.asm.memory);
}

function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** Runs one of the kernels, registering them all on first use (no import side effect). */
export function runTrainingKernel<T extends tf.Tensor | tf.Tensor[] = tf.Tensor>(name: string, inputs: tf.NamedTensorMap, attrs: object = {}): T {
  if (!registered) {
    registered = true;
    // Another copy of this package in the process may have registered them already.
    for (const config of [...wasmConfigs(), ...cpuConfigs(), ...channelKernelConfigs()]) {
      if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
    }
    shareIdentityOnWasm();
  }
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as T;
}

function channels(t: Info): number {
  return t.shape[t.shape.length - 1];
}

function rows(t: Info): number {
  return tf.util.sizeFromShape(t.shape) / channels(t);
}

function float32(t: Info | undefined, kernel: string): Info {
  if (!t) throw new Error(`${kernel}: missing input`);
  if (t.dtype !== 'float32') throw new Error(`${kernel}: ${t.dtype} input, float32 expected`);
  return t;
}

/** [..., sum of channels] from inputs sharing their leading axes. */
function concatShape(xs: Info[]): number[] {
  const total = xs.reduce((sum, x) => sum + channels(x), 0);
  return [...xs[0].shape.slice(0, -1), total];
}

function geometry(x: number[], cout: number, k: number, attrs: GroupConvAttrs): js.ConvGeometry {
  const [n, h, w, cin] = x;
  const { groups, stride, pad } = attrs;
  const out = (size: number) => Math.floor((size + 2 * pad - k) / stride) + 1;
  return { n, h, w, cin, groups, k, cout, stride, pad, oh: out(h), ow: out(w) };
}

/** Attributes of the conv kernels (inputShape: input gradient's; k: filter gradient's). */
type ConvKernelAttrs = GroupConvAttrs & { inputShape: number[]; k: number };

/** The geometry of each conv kernel, from its inputs and attributes. */
function forwardGeometry(x: Info, filter: Info, attrs: GroupConvAttrs): js.ConvGeometry {
  return geometry(x.shape, filter.shape[0], filter.shape[1], attrs);
}

function inputGradGeometry(dy: Info, filter: Info, attrs: ConvKernelAttrs): js.ConvGeometry {
  return geometry(attrs.inputShape, channels(dy), filter.shape[0], attrs);
}

function filterGradGeometry(x: Info, dy: Info, attrs: ConvKernelAttrs): js.ConvGeometry {
  return geometry(x.shape, channels(dy), attrs.k, attrs);
}

function convAttrs(attrs: tf.NamedAttrMap | undefined): ConvKernelAttrs {
  return attrs as unknown as ConvKernelAttrs;
}

interface BnAttrs {
  relu: boolean;
  activation: boolean;
}

function bnAttrs(attrs: tf.NamedAttrMap | undefined): BnAttrs {
  return attrs as unknown as BnAttrs;
}

function bnChannels(b: CpuBackend, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap | undefined, kernel: string): js.BnChannels {
  const v = (name: string) => b.data.get(float32(inputs[name], kernel).dataId).values as Float32Array;
  return { mean: v('mean'), scale: v('scale'), beta: v('beta'), relu: bnAttrs(attrs).relu };
}

function int32(t: Info | undefined, kernel: string): Info {
  if (!t) throw new Error(`${kernel}: missing input`);
  if (t.dtype !== 'int32') throw new Error(`${kernel}: ${t.dtype} index, int32 expected`);
  return t;
}

interface CondensedAttrs {
  groups: number;
  channels: number;
}

function condensedAttrs(attrs: tf.NamedAttrMap | undefined): CondensedAttrs {
  return attrs as unknown as CondensedAttrs;
}

/** The condensed conv's geometry from the rows of act (or dy) and wq [k, O]. */
function condensedGeometry(rowsOf: Info, wq: Info, groups: number): js.CondensedGeometry {
  return { rows: rows(rowsOf), k: wq.shape[0], groups, out: wq.shape[1] };
}

function wasmConfigs(): tf.KernelConfig[] {
  return [
    {
      kernelName: CONCAT_CHANNELS,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as WasmBackend;
        const xs = Object.values(inputs).map((x) => float32(x, CONCAT_CHANNELS));
        const shape = concatShape(xs);
        const out = b.makeOutput(shape, 'float32');
        const k = wasmTrainKernels(b);
        const total = shape[shape.length - 1];
        const dst = wasmOffset(b, out.dataId);
        let at = 0;
        for (const x of xs) {
          const c = channels(x);
          if (x.shape.every((d) => d > 0)) k.copyChannels(wasmOffset(b, x.dataId), c, 0, dst, total, at, rows(x), c);
          at += c;
        }
        return out;
      },
    },
    {
      kernelName: SLICE_CHANNELS,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as WasmBackend;
        const x = float32(inputs.x, SLICE_CHANNELS);
        const { begin, size } = attrs as unknown as { begin: number; size: number };
        const out = b.makeOutput([...x.shape.slice(0, -1), size], 'float32');
        if (size > 0 && x.shape.every((d) => d > 0)) {
          wasmTrainKernels(b).copyChannels(wasmOffset(b, x.dataId), channels(x), begin, wasmOffset(b, out.dataId), size, 0, rows(x), size);
        }
        return out;
      },
    },
    {
      kernelName: MAT_MUL_AT_B,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as WasmBackend;
        const a = float32(inputs.a, MAT_MUL_AT_B);
        const bm = float32(inputs.b, MAT_MUL_AT_B);
        const [p, m] = a.shape;
        const n = bm.shape[1];
        const out = b.makeOutput([m, n], 'float32');
        wasmTrainKernels(b).matMulAtB(wasmOffset(b, a.dataId), wasmOffset(b, bm.dataId), p, m, n, wasmOffset(b, out.dataId));
        return out;
      },
    },
    {
      kernelName: MAT_MUL,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as WasmBackend;
        const a = float32(inputs.a, MAT_MUL);
        const bm = float32(inputs.b, MAT_MUL);
        const [rows, k] = a.shape;
        const n = bm.shape[1];
        const out = b.makeOutput([rows, n], 'float32');
        withScratch(b, k * n, (scratch) =>
          wasmTrainKernels(b).matMul(wasmOffset(b, a.dataId), wasmOffset(b, bm.dataId), rows, k, n, wasmOffset(b, out.dataId), scratch),
        );
        return out;
      },
    },
    {
      kernelName: GROUP_CONV_FORWARD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as WasmBackend;
        const x = float32(inputs.x, GROUP_CONV_FORWARD);
        const filter = float32(inputs.filter, GROUP_CONV_FORWARD);
        const g = forwardGeometry(x, filter, convAttrs(attrs));
        const out = b.makeOutput([g.n, g.oh, g.ow, g.cout], 'float32');
        wasmTrainKernels(b).groupConvForward(
          wasmOffset(b, x.dataId), g.n, g.h, g.w, g.cin, g.groups,
          wasmOffset(b, filter.dataId), g.k, g.cout, g.stride, g.pad,
          wasmOffset(b, out.dataId), g.oh, g.ow,
        );
        return out;
      },
    },
    {
      kernelName: GROUP_CONV_INPUT_GRAD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as WasmBackend;
        const dy = float32(inputs.dy, GROUP_CONV_INPUT_GRAD);
        const filter = float32(inputs.filter, GROUP_CONV_INPUT_GRAD);
        const g = inputGradGeometry(dy, filter, convAttrs(attrs));
        const out = b.makeOutput([g.n, g.h, g.w, g.cin], 'float32');
        wasmTrainKernels(b).groupConvInputGrad(
          wasmOffset(b, dy.dataId), g.oh, g.ow, g.cout, g.groups,
          wasmOffset(b, filter.dataId), g.k, g.stride, g.pad,
          wasmOffset(b, out.dataId), g.n, g.h, g.w, g.cin,
        );
        return out;
      },
    },
    {
      kernelName: GROUP_CONV_FILTER_GRAD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as WasmBackend;
        const x = float32(inputs.x, GROUP_CONV_FILTER_GRAD);
        const dy = float32(inputs.dy, GROUP_CONV_FILTER_GRAD);
        const g = filterGradGeometry(x, dy, convAttrs(attrs));
        const out = b.makeOutput([g.k, g.k, g.cout, g.cin / g.groups], 'float32');
        wasmTrainKernels(b).groupConvFilterGrad(
          wasmOffset(b, x.dataId), g.n, g.h, g.w, g.cin, g.groups,
          wasmOffset(b, dy.dataId), g.oh, g.ow, g.cout, g.k, g.stride, g.pad,
          wasmOffset(b, out.dataId),
        );
        return out;
      },
    },
    {
      kernelName: BN_STATS,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as WasmBackend;
        const x = float32(inputs.x, BN_STATS);
        const c = channels(x);
        const mean = b.makeOutput([c], 'float32');
        const variance = b.makeOutput([c], 'float32');
        withScratch(b, c, (scratch) =>
          wasmTrainKernels(b).bnStats(wasmOffset(b, x.dataId), rows(x), c, wasmOffset(b, mean.dataId), wasmOffset(b, variance.dataId), scratch),
        );
        return [mean, variance];
      },
    },
    {
      kernelName: BN_APPLY,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as WasmBackend;
        const x = float32(inputs.x, BN_APPLY);
        const at = (name: string) => wasmOffset(b, float32(inputs[name], BN_APPLY).dataId);
        const y = b.makeOutput(x.shape, 'float32');
        wasmTrainKernels(b).bnApply(
          wasmOffset(b, x.dataId), rows(x), channels(x), at('mean'), at('scale'), at('beta'), bnAttrs(attrs).relu ? 1 : 0, wasmOffset(b, y.dataId),
        );
        return y;
      },
    },
    {
      kernelName: BN_BACKWARD_SUMS,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as WasmBackend;
        const x = float32(inputs.x, BN_BACKWARD_SUMS);
        const at = (name: string) => wasmOffset(b, float32(inputs[name], BN_BACKWARD_SUMS).dataId);
        const c = channels(x);
        const sumDz = b.makeOutput([c], 'float32');
        const sumDzCentered = b.makeOutput([c], 'float32');
        withScratch(b, 2 * c, (scratch) =>
          wasmTrainKernels(b).bnBackwardSums(
            wasmOffset(b, x.dataId), at('dy'), rows(x), c, at('mean'), at('scale'), at('beta'), bnAttrs(attrs).relu ? 1 : 0,
            wasmOffset(b, sumDz.dataId), wasmOffset(b, sumDzCentered.dataId), scratch,
          ),
        );
        return [sumDz, sumDzCentered];
      },
    },
    {
      kernelName: BN_BACKWARD_APPLY,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as WasmBackend;
        const x = float32(inputs.x, BN_BACKWARD_APPLY);
        const at = (name: string) => wasmOffset(b, float32(inputs[name], BN_BACKWARD_APPLY).dataId);
        const { relu, activation } = bnAttrs(attrs);
        const dx = b.makeOutput(x.shape, 'float32');
        const act = activation ? b.makeOutput(x.shape, 'float32') : null;
        wasmTrainKernels(b).bnBackwardApply(
          wasmOffset(b, x.dataId), at('dy'), rows(x), channels(x), at('mean'), at('scale'), at('beta'), relu ? 1 : 0,
          at('kCentered'), at('kConst'), wasmOffset(b, dx.dataId), act ? wasmOffset(b, act.dataId) : 0,
        );
        return act ? [dx, act] : [dx];
      },
    },
    {
      kernelName: CONDENSED_FORWARD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as WasmBackend;
        const act = float32(inputs.act, CONDENSED_FORWARD);
        const wq = float32(inputs.wq, CONDENSED_FORWARD);
        const index = int32(inputs.index, CONDENSED_FORWARD);
        const g = condensedGeometry(act, wq, condensedAttrs(attrs).groups);
        const y = b.makeOutput([g.rows, g.out], 'float32');
        withScratch(b, GATHER_ROWS * g.k * g.groups, (scratch) =>
          wasmTrainKernels(b).condensedForward(
            wasmOffset(b, act.dataId), g.rows, channels(act), wasmOffset(b, index.dataId), g.k, g.groups,
            wasmOffset(b, wq.dataId), g.out, wasmOffset(b, y.dataId), scratch,
          ),
        );
        return y;
      },
    },
    {
      kernelName: CONDENSED_INPUT_GRAD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as WasmBackend;
        const dy = float32(inputs.dy, CONDENSED_INPUT_GRAD);
        const wq = float32(inputs.wq, CONDENSED_INPUT_GRAD);
        const index = int32(inputs.index, CONDENSED_INPUT_GRAD);
        const { groups, channels: r } = condensedAttrs(attrs);
        const g = condensedGeometry(dy, wq, groups);
        const dx = b.makeOutput([g.rows, r], 'float32');
        wasmTrainKernels(b).condensedInputGrad(
          wasmOffset(b, dy.dataId), g.rows, g.out, g.groups, wasmOffset(b, wq.dataId), g.k, wasmOffset(b, index.dataId), r, wasmOffset(b, dx.dataId),
        );
        return dx;
      },
    },
    {
      kernelName: CONDENSED_FILTER_GRAD,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as WasmBackend;
        const act = float32(inputs.act, CONDENSED_FILTER_GRAD);
        const dy = float32(inputs.dy, CONDENSED_FILTER_GRAD);
        const index = int32(inputs.index, CONDENSED_FILTER_GRAD);
        const { groups } = condensedAttrs(attrs);
        const k = index.shape[0] / groups;
        const o = channels(dy);
        const dwq = b.makeOutput([k, o], 'float32');
        withScratch(b, GATHER_ROWS * k * groups, (scratch) =>
          wasmTrainKernels(b).condensedFilterGrad(
            wasmOffset(b, act.dataId), rows(act), channels(act), wasmOffset(b, index.dataId), wasmOffset(b, dy.dataId), k, groups, o,
            wasmOffset(b, dwq.dataId), scratch,
          ),
        );
        return dwq;
      },
    },
    {
      kernelName: GATHER_FLOATS,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as WasmBackend;
        const x = float32(inputs.x, GATHER_FLOATS);
        const index = int32(inputs.index, GATHER_FLOATS);
        const out = b.makeOutput(index.shape, 'float32');
        wasmTrainKernels(b).gatherFloats(wasmOffset(b, x.dataId), wasmOffset(b, index.dataId), index.shape[0], wasmOffset(b, out.dataId));
        return out;
      },
    },
    {
      kernelName: SCATTER_FLOATS,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as WasmBackend;
        const x = float32(inputs.x, SCATTER_FLOATS);
        const index = int32(inputs.index, SCATTER_FLOATS);
        const { shape } = attrs as unknown as { shape: number[] };
        const out = b.makeOutput(shape, 'float32');
        wasmTrainKernels(b).scatterFloats(
          wasmOffset(b, x.dataId), wasmOffset(b, index.dataId), index.shape[0], wasmOffset(b, out.dataId), tf.util.sizeFromShape(shape),
        );
        return out;
      },
    },
  ];
}

function cpuConfigs(): tf.KernelConfig[] {
  const values = (b: CpuBackend, t: Info) => b.data.get(t.dataId).values as Float32Array;
  return [
    {
      kernelName: CONCAT_CHANNELS,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as CpuBackend;
        const xs = Object.values(inputs).map((x) => float32(x, CONCAT_CHANNELS));
        const shape = concatShape(xs);
        const total = shape[shape.length - 1];
        const out = new Float32Array(tf.util.sizeFromShape(shape));
        let at = 0;
        for (const x of xs) {
          const c = channels(x);
          js.copyChannels(values(b, x), c, 0, out, total, at, rows(x), c);
          at += c;
        }
        return b.makeTensorInfo(shape, 'float32', out);
      },
    },
    {
      kernelName: SLICE_CHANNELS,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as CpuBackend;
        const x = float32(inputs.x, SLICE_CHANNELS);
        const { begin, size } = attrs as unknown as { begin: number; size: number };
        const shape = [...x.shape.slice(0, -1), size];
        const out = new Float32Array(tf.util.sizeFromShape(shape));
        js.copyChannels(values(b, x), channels(x), begin, out, size, 0, rows(x), size);
        return b.makeTensorInfo(shape, 'float32', out);
      },
    },
    {
      kernelName: MAT_MUL_AT_B,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as CpuBackend;
        const a = float32(inputs.a, MAT_MUL_AT_B);
        const bm = float32(inputs.b, MAT_MUL_AT_B);
        const [p, m] = a.shape;
        const n = bm.shape[1];
        const c = js.matMulAtB(values(b, a), values(b, bm), p, m, n);
        return b.makeTensorInfo([m, n], 'float32', c);
      },
    },
    {
      kernelName: MAT_MUL,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as CpuBackend;
        const a = float32(inputs.a, MAT_MUL);
        const bm = float32(inputs.b, MAT_MUL);
        const [rows, k] = a.shape;
        const n = bm.shape[1];
        return b.makeTensorInfo([rows, n], 'float32', js.matMul(values(b, a), values(b, bm), rows, k, n));
      },
    },
    {
      kernelName: GROUP_CONV_FORWARD,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as CpuBackend;
        const x = float32(inputs.x, GROUP_CONV_FORWARD);
        const filter = float32(inputs.filter, GROUP_CONV_FORWARD);
        const g = forwardGeometry(x, filter, convAttrs(attrs));
        return b.makeTensorInfo([g.n, g.oh, g.ow, g.cout], 'float32', js.groupConvForward(values(b, x), values(b, filter), g));
      },
    },
    {
      kernelName: GROUP_CONV_INPUT_GRAD,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as CpuBackend;
        const dy = float32(inputs.dy, GROUP_CONV_INPUT_GRAD);
        const filter = float32(inputs.filter, GROUP_CONV_INPUT_GRAD);
        const g = inputGradGeometry(dy, filter, convAttrs(attrs));
        return b.makeTensorInfo([g.n, g.h, g.w, g.cin], 'float32', js.groupConvInputGrad(values(b, dy), values(b, filter), g));
      },
    },
    {
      kernelName: GROUP_CONV_FILTER_GRAD,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as CpuBackend;
        const x = float32(inputs.x, GROUP_CONV_FILTER_GRAD);
        const dy = float32(inputs.dy, GROUP_CONV_FILTER_GRAD);
        const g = filterGradGeometry(x, dy, convAttrs(attrs));
        return b.makeTensorInfo([g.k, g.k, g.cout, g.cin / g.groups], 'float32', js.groupConvFilterGrad(values(b, x), values(b, dy), g));
      },
    },
    {
      kernelName: BN_STATS,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as CpuBackend;
        const x = float32(inputs.x, BN_STATS);
        const c = channels(x);
        const { mean, variance } = js.bnStats(values(b, x), c);
        return [b.makeTensorInfo([c], 'float32', mean), b.makeTensorInfo([c], 'float32', variance)];
      },
    },
    {
      kernelName: BN_APPLY,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as CpuBackend;
        const x = float32(inputs.x, BN_APPLY);
        return b.makeTensorInfo(x.shape, 'float32', js.bnApply(values(b, x), bnChannels(b, inputs, attrs, BN_APPLY)));
      },
    },
    {
      kernelName: BN_BACKWARD_SUMS,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as CpuBackend;
        const x = float32(inputs.x, BN_BACKWARD_SUMS);
        const dy = float32(inputs.dy, BN_BACKWARD_SUMS);
        const c = channels(x);
        const r = js.bnBackwardSums(values(b, x), values(b, dy), bnChannels(b, inputs, attrs, BN_BACKWARD_SUMS));
        return [b.makeTensorInfo([c], 'float32', r.sumDz), b.makeTensorInfo([c], 'float32', r.sumDzCentered)];
      },
    },
    {
      kernelName: BN_BACKWARD_APPLY,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as CpuBackend;
        const x = float32(inputs.x, BN_BACKWARD_APPLY);
        const dy = float32(inputs.dy, BN_BACKWARD_APPLY);
        const k = (name: string) => values(b, float32(inputs[name], BN_BACKWARD_APPLY));
        const r = js.bnBackwardApply(
          values(b, x), values(b, dy), bnChannels(b, inputs, attrs, BN_BACKWARD_APPLY), k('kCentered'), k('kConst'), bnAttrs(attrs).activation,
        );
        const dx = b.makeTensorInfo(x.shape, 'float32', r.dx);
        return r.activation ? [dx, b.makeTensorInfo(x.shape, 'float32', r.activation)] : [dx];
      },
    },
    {
      kernelName: CONDENSED_FORWARD,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as CpuBackend;
        const act = float32(inputs.act, CONDENSED_FORWARD);
        const wq = float32(inputs.wq, CONDENSED_FORWARD);
        const index = b.data.get(int32(inputs.index, CONDENSED_FORWARD).dataId).values as Int32Array;
        const g = condensedGeometry(act, wq, condensedAttrs(attrs).groups);
        return b.makeTensorInfo([g.rows, g.out], 'float32', js.condensedForward(values(b, act), channels(act), index, values(b, wq), g));
      },
    },
    {
      kernelName: CONDENSED_INPUT_GRAD,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as CpuBackend;
        const dy = float32(inputs.dy, CONDENSED_INPUT_GRAD);
        const wq = float32(inputs.wq, CONDENSED_INPUT_GRAD);
        const index = b.data.get(int32(inputs.index, CONDENSED_INPUT_GRAD).dataId).values as Int32Array;
        const { groups, channels: r } = condensedAttrs(attrs);
        const g = condensedGeometry(dy, wq, groups);
        return b.makeTensorInfo([g.rows, r], 'float32', js.condensedInputGrad(values(b, dy), values(b, wq), index, r, g));
      },
    },
    {
      kernelName: CONDENSED_FILTER_GRAD,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as CpuBackend;
        const act = float32(inputs.act, CONDENSED_FILTER_GRAD);
        const dy = float32(inputs.dy, CONDENSED_FILTER_GRAD);
        const index = b.data.get(int32(inputs.index, CONDENSED_FILTER_GRAD).dataId).values as Int32Array;
        const { groups } = condensedAttrs(attrs);
        const g = { rows: rows(act), k: index.length / groups, groups, out: channels(dy) };
        return b.makeTensorInfo([g.k, g.out], 'float32', js.condensedFilterGrad(values(b, act), channels(act), index, values(b, dy), g));
      },
    },
    {
      kernelName: GATHER_FLOATS,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend }) => {
        const b = backend as unknown as CpuBackend;
        const index = b.data.get(int32(inputs.index, GATHER_FLOATS).dataId).values as Int32Array;
        return b.makeTensorInfo([index.length], 'float32', js.gatherFloats(values(b, float32(inputs.x, GATHER_FLOATS)), index));
      },
    },
    {
      kernelName: SCATTER_FLOATS,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as unknown as CpuBackend;
        const index = b.data.get(int32(inputs.index, SCATTER_FLOATS).dataId).values as Int32Array;
        const { shape } = attrs as unknown as { shape: number[] };
        const out = js.scatterFloats(values(b, float32(inputs.x, SCATTER_FLOATS)), index, tf.util.sizeFromShape(shape));
        return b.makeTensorInfo(shape, 'float32', out);
      },
    },
  ];
}
