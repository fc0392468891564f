import { KernelModule } from './kernel-module.js';
import { relaxedSimdSupported } from './relaxed-simd.js';

/**
 * Where the package build puts kernels.wasm and kernels-relaxed.wasm: beside this module
 * (dist/backends/wasm/). Bundlers that understand `new URL(..., import.meta.url)` (Vite,
 * webpack 5, Parcel, esbuild with a loader) copy them as assets.
 */
export const KERNELS_WASM_URL = new URL('./kernels.wasm', import.meta.url);
export const KERNELS_RELAXED_WASM_URL = new URL('./kernels-relaxed.wasm', import.meta.url);

export interface LoadKernelsOptions {
  /**
   * The relaxed-SIMD build (fused multiply-adds: 1.2-1.3x faster on this project's machine, logits
   * within ~1e-6 of the SIMD build's) where the engine compiles it. Default true; false for the
   * SIMD build, whose results are the same bits on every engine and CPU.
   */
  relaxedSimd?: boolean;
  /** Where the relaxed-SIMD build is: default the shipped kernels-relaxed.wasm, unless `url` is given. */
  relaxedUrl?: string | URL;
}

/**
 * Browsers and other fetch-capable hosts: fetches the kernels, the relaxed-SIMD build where the
 * engine compiles it and `relaxedSimd` is not false, else the SIMD build. Default: the shipped
 * copies; a `url` given alone is the one build fetched.
 */
export async function loadKernels(url?: string | URL, options: LoadKernelsOptions = {}): Promise<KernelModule> {
  const relaxedUrl = options.relaxedUrl ?? (url === undefined ? KERNELS_RELAXED_WASM_URL : undefined);
  const relaxed = relaxedUrl !== undefined && options.relaxedSimd !== false && relaxedSimdSupported();
  const chosen = relaxed ? relaxedUrl : (url ?? KERNELS_WASM_URL);
  const response = await fetch(chosen);
  if (!response.ok) throw new Error(`loadKernels: ${String(chosen)}: HTTP ${response.status}`);
  return KernelModule.instantiate(await response.arrayBuffer());
}
