import type { CondensedModel } from '../artifact/types.js';
import type { BackendConfig, BackendContext } from './backend.js';
import { cpuConfig } from './cpu/index.js';
import { tfjsConfig } from './tfjs/index.js';
import { wasmConfig } from './wasm/index.js';
import { webglConfig } from './webgl/index.js';
import { webgpuConfig } from './webgpu/index.js';

/** Tried in order; the first that serves the tfjs backend and takes the model runs it. */
export const BACKEND_CONFIGS: readonly BackendConfig[] = [webgpuConfig, webglConfig, wasmConfig, cpuConfig, tfjsConfig];

/**
 * The config a session on `tfjsBackend` uses for `model`, and why the ones before it that serve
 * that backend passed on the model.
 */
export function chooseBackendConfig(
  model: CondensedModel,
  tfjsBackend: string,
  ctx: BackendContext,
  configs: readonly BackendConfig[] = BACKEND_CONFIGS,
): { config: BackendConfig; fallbackReason?: string } {
  let fallbackReason: string | undefined;
  for (const config of configs) {
    if (config.runsOn !== undefined && config.runsOn !== tfjsBackend) continue;
    const reason = config.unavailableReason(model, ctx);
    if (reason === undefined) return { config, ...(fallbackReason ? { fallbackReason } : {}) };
    fallbackReason ??= reason;
  }
  throw new Error(`no backend config serves ${tfjsBackend}; the registry must end with one that serves every backend`);
}
