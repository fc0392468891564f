import { TRAIN_KERNELS_WASM_BASE64 } from './train-kernels-wasm.js';

/** asm/train-kernels.ts's exports: byte offsets into tfjs-wasm's memory (semantics there). */
export interface TrainKernelExports {
  copyChannels(
    src: number, srcStride: number, srcOffset: number,
    dst: number, dstStride: number, dstOffset: number,
    rows: number, channels: number,
  ): void;
  matMulAtB(a: number, b: number, rows: number, m: number, n: number, c: number): void;
  /** scratch: k * n floats, b packed strip by strip. */
  matMul(a: number, b: number, rows: number, k: number, n: number, c: number, scratch: number): void;
  groupConvForward(
    x: number, n: number, h: number, w: number, cin: number, groups: number,
    wt: number, k: number, cout: number, stride: number, pad: number,
    y: number, oh: number, ow: number,
  ): void;
  groupConvInputGrad(
    dy: number, oh: number, ow: number, cout: number, groups: number,
    wt: number, k: number, stride: number, pad: number,
    dx: number, n: number, h: number, w: number, cin: number,
  ): void;
  groupConvFilterGrad(
    x: number, n: number, h: number, w: number, cin: number, groups: number,
    dy: number, oh: number, ow: number, cout: number, k: number, stride: number, pad: number,
    dw: number,
  ): void;
  /** scratch: c floats. */
  bnStats(x: number, rows: number, c: number, mean: number, variance: number, scratch: number): void;
  bnApply(x: number, rows: number, c: number, mean: number, scale: number, beta: number, relu: number, y: number): void;
  /** scratch: 2 * c floats. */
  bnBackwardSums(
    x: number, dy: number, rows: number, c: number, mean: number, scale: number, beta: number, relu: number,
    sumDz: number, sumDzCentered: number, scratch: number,
  ): void;
  bnBackwardApply(
    x: number, dy: number, rows: number, c: number, mean: number, scale: number, beta: number, relu: number,
    kCentered: number, kConst: number, dx: number, act: number,
  ): void;
  condensedForward(
    act: number, rows: number, r: number, index: number, k: number, groups: number, wq: number, o: number, y: number, scratch: number,
  ): void;
  condensedInputGrad(
    dy: number, rows: number, o: number, groups: number, wq: number, k: number, index: number, r: number, dx: number,
  ): void;
  condensedFilterGrad(
    act: number, rows: number, r: number, index: number, dy: number, k: number, groups: number, o: number, dwq: number, scratch: number,
  ): void;
  gatherFloats(src: number, index: number, count: number, out: number): void;
  scatterFloats(src: number, index: number, count: number, out: number, size: number): void;
}

/** What the kernels need of tfjs-wasm's BackendWasm (not a dependency of this package). */
export interface WasmBackendLike {
  wasm: { asm: { memory: WebAssembly.Memory } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

let compiled: WebAssembly.Module | null = null;
const instances = new WeakMap<WebAssembly.Memory, TrainKernelExports>();

/**
 * The kernels instantiated on this backend's memory (once per memory). Synchronous, so that a
 * tfjs kernel function can call it; the module is ~6 KB, far below the size browsers allow
 * to compile synchronously.
 */
export function wasmTrainKernels(backend: WasmBackendLike): TrainKernelExports {
  const memory = backend.wasm.asm.memory;
  let kernels = instances.get(memory);
  if (!kernels) {
    compiled ??= new WebAssembly.Module(Uint8Array.from(atob(TRAIN_KERNELS_WASM_BASE64), (c) => c.charCodeAt(0)));
    kernels = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as TrainKernelExports;
    instances.set(memory, kernels);
  }
  return kernels;
}

/** Byte offset of a tensor's data in the backend's memory. */
export function wasmOffset(backend: WasmBackendLike, dataId: object): number {
  const entry = backend.dataIdMap.get(dataId);
  if (!entry) throw new Error('train kernels: tensor data not on the wasm backend');
  return entry.memoryOffset;
}
