import { KernelModule } from './kernel-module.js';

/**
 * Where the package build puts kernels.wasm: beside this module (dist/backends/wasm/). Bundlers that understand
 * `new URL(..., import.meta.url)` (Vite, webpack 5, Parcel, esbuild with a loader) copy it as
 * an asset.
 */
export const KERNELS_WASM_URL = new URL('./kernels.wasm', import.meta.url);

/** Browsers and other fetch-capable hosts: fetches kernels.wasm (default: the shipped copy). */
export async function loadKernels(url: string | URL = KERNELS_WASM_URL): Promise<KernelModule> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`loadKernels: ${String(url)}: HTTP ${response.status}`);
  return KernelModule.instantiate(await response.arrayBuffer());
}
