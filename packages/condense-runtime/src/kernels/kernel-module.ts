interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  condensedConv1x1(
    x: number, xStride: number, spans: number, spanPixels: number,
    index: number, scale: number, shift: number, weight: number, bias: number, relu: number,
    quads: number, K: number, kOut: number,
    y: number, yStride: number, ySpanPitch: number, yOffset: number,
    scratch: number,
  ): void;
  groupedConv3x3(
    x: number, batch: number, height: number, width: number, cin: number, groups: number,
    weight: number, cout: number, stride: number,
    y: number, yStride: number, yOffset: number,
  ): void;
  avgPool2x2(
    x: number, batch: number, height: number, width: number, channels: number, xStride: number,
    y: number, yStride: number,
  ): void;
}

const PAGE = 65536;
const ALIGN = 16;

/**
 * The instantiated kernel module and a bump allocator over its linear memory. Addresses are
 * byte offsets; views are created on demand because growing the memory detaches old buffers.
 */
export class WasmKernels {
  private top: number;

  private constructor(readonly exports: KernelExports) {
    this.top = align(exports.heapBase());
  }

  /** From the bytes of kernels.wasm (see loadKernels / loadKernelsFromFile for the usual sources). */
  static async instantiate(bytes: BufferSource): Promise<WasmKernels> {
    if (!WebAssembly.validate(bytes)) {
      throw new Error('kernels.wasm: not a valid WebAssembly module for this engine (SIMD support is required)');
    }
    const { instance } = await WebAssembly.instantiate(bytes, {});
    return new WasmKernels(instance.exports as unknown as KernelExports);
  }

  /** Reserves `bytes` (16-byte aligned) and returns the address. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = align(at + bytes);
    const missing = this.top - this.exports.memory.buffer.byteLength;
    if (missing > 0) this.exports.memory.grow(Math.ceil(missing / PAGE));
    return at;
  }

  /** The current allocation mark; `release(mark)` frees everything allocated after it. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  /** Allocates and copies `data` in; returns its address. */
  put(data: Float32Array | Int32Array): number {
    const at = this.alloc(data.byteLength);
    new Uint8Array(this.exports.memory.buffer, at, data.byteLength).set(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    return at;
  }

  f32(at: number, length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, at, length);
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
