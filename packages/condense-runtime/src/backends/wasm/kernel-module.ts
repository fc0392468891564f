import type { KernelExports } from './exports.js';
import { javascriptKernels } from '../cpu/js-kernels.js';
import type { KernelBuild } from './relaxed-simd.js';

const PAGE = 65536;
const ALIGN = 16;

/**
 * The kernels and an allocator over their linear memory: first fit among freed ranges (merged
 * with free neighbours), else the end of the heap, which moves back down when its last range is
 * freed. A WebAssembly memory grows but never shrinks, so freed space is reused rather than
 * returned: a module serving sessions that come and go stays at the size of the most that were
 * alive at once. Addresses are byte offsets; views are created on demand because growing the
 * memory detaches old buffers.
 */
export class KernelModule {
  /** End of the heap: nothing at or above it is allocated or on the free list. */
  private top: number;
  /** Address -> size of every allocation not yet freed. */
  private readonly live = new Map<number, number>();
  /** Freed ranges below `top`, by address; none touch each other or `top`. */
  private readonly freed: { at: number; size: number }[] = [];

  private constructor(
    readonly exports: KernelExports,
    /** `wasm`: the SIMD build; `js`: the plain JavaScript port (same layouts, same results). */
    readonly kind: 'wasm' | 'js',
  ) {
    this.top = align(exports.heapBase());
  }

  /**
   * From the bytes of kernels.wasm or kernels-relaxed.wasm (see loadKernels / loadKernelsFromFile
   * for the usual sources).
   */
  static async instantiate(bytes: BufferSource): Promise<KernelModule> {
    if (!WebAssembly.validate(bytes)) {
      throw new Error(
        'kernels: not a valid WebAssembly module for this engine (kernels.wasm needs SIMD; kernels-relaxed.wasm needs relaxed SIMD as well)',
      );
    }
    const { instance } = await WebAssembly.instantiate(bytes, {});
    return new KernelModule(instance.exports as unknown as KernelExports, 'wasm');
  }

  /**
   * The threads build (kernels-threads.wasm, compiled) on a shared memory that worker threads
   * instantiate the same module on: allocation stays here, on the thread that made the module.
   */
  static async onSharedMemory(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<KernelModule> {
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    return new KernelModule({ ...(instance.exports as unknown as KernelExports), memory }, 'wasm');
  }

  /**
   * The JavaScript port: where WebAssembly is unavailable, and on tfjs's cpu backend, whose own
   * convs (plain JS too) would run the condensed model's 1x1s densely after a slow gather.
   */
  static javascript(): KernelModule {
    return new KernelModule(javascriptKernels(), 'js');
  }

  /** Which build these kernels are: the module itself says whether it has fused multiply-adds. */
  get build(): KernelBuild {
    if (this.kind === 'js') return 'javascript';
    return this.exports.relaxedSimd() ? 'relaxed-simd' : 'simd';
  }

  /** Reserves `bytes` (16-byte aligned) until `free(address)`; returns the address. */
  alloc(bytes: number): number {
    // Never zero bytes: every live allocation needs an address of its own.
    const size = Math.max(ALIGN, align(bytes));
    const fit = this.freed.findIndex((r) => r.size >= size);
    let at: number;
    if (fit >= 0) {
      const range = this.freed[fit];
      at = range.at;
      if (range.size === size) this.freed.splice(fit, 1);
      else this.freed[fit] = { at: at + size, size: range.size - size };
    } else {
      at = this.top;
      this.top += size;
      const missing = this.top - this.exports.memory.buffer.byteLength;
      if (missing > 0) this.exports.memory.grow(Math.ceil(missing / PAGE));
    }
    this.live.set(at, size);
    return at;
  }

  /** Returns an allocation for reuse; freeing anything else (or twice) throws. */
  free(at: number): void {
    const size = this.live.get(at);
    if (size === undefined) throw new Error(`KernelModule.free: ${at} is not an allocated address (freed twice?)`);
    this.live.delete(at);
    let i = this.freed.findIndex((r) => r.at > at);
    if (i < 0) i = this.freed.length;
    let range = { at, size };
    const next = this.freed[i];
    if (next && range.at + range.size === next.at) {
      range = { at, size: size + next.size };
      this.freed.splice(i, 1);
    }
    const prev = this.freed[i - 1];
    if (prev && prev.at + prev.size === range.at) {
      range = { at: prev.at, size: prev.size + range.size };
      this.freed.splice(--i, 1);
    }
    if (range.at + range.size === this.top) this.top = range.at;
    else this.freed.splice(i, 0, range);
  }

  /** Allocations not yet freed, and their bytes (16-byte aligned sizes). */
  get liveAllocations(): number {
    return this.live.size;
  }

  get liveBytes(): number {
    let total = 0;
    for (const size of this.live.values()) total += size;
    return total;
  }

  /** Allocates and copies `data` in; returns its address. */
  put(data: Float32Array | Int32Array | Float64Array): number {
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
