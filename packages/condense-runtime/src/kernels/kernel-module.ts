import type { KernelExports } from './exports.js';
import { javascriptKernels } from './js-kernels.js';

const PAGE = 65536;
const ALIGN = 16;

/**
 * The kernels and a bump allocator over their linear memory. Addresses are byte offsets;
 * views are created on demand because growing the memory detaches old buffers.
 */
export class KernelModule {
  private top: number;

  private constructor(
    readonly exports: KernelExports,
    /** `wasm`: the SIMD build; `js`: the plain JavaScript port (same layouts, same results). */
    readonly kind: 'wasm' | 'js',
  ) {
    this.top = align(exports.heapBase());
  }

  /** From the bytes of kernels.wasm (see loadKernels / loadKernelsFromFile for the usual sources). */
  static async instantiate(bytes: BufferSource): Promise<KernelModule> {
    if (!WebAssembly.validate(bytes)) {
      throw new Error('kernels.wasm: not a valid WebAssembly module for this engine (SIMD support is required)');
    }
    const { instance } = await WebAssembly.instantiate(bytes, {});
    return new KernelModule(instance.exports as unknown as KernelExports, 'wasm');
  }

  /**
   * The JavaScript port: where WebAssembly is unavailable, and on tfjs's cpu backend, whose own
   * convs (plain JS too) would run the condensed model's 1x1s densely after a slow gather.
   */
  static javascript(): KernelModule {
    return new KernelModule(javascriptKernels(), 'js');
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
