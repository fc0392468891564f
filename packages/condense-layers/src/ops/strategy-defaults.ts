import type { GroupConvStrategy } from './group-conv2d.js';
import type { IndexSelectStrategy } from './index-select.js';

/**
 * Default grouped-conv strategy per backend, from bench/results (see the package README for the
 * machine and the numbers). Backends not measured get the dense block-diagonal conv, which is
 * one kernel launch per layer and so the safest choice on GPU backends.
 */
const MEASURED: Record<string, { pointwise: GroupConvStrategy; spatial: GroupConvStrategy }> = {
  cpu: { pointwise: 'blockDiagonal', spatial: 'blockDiagonal' },
  wasm: { pointwise: 'blockDiagonal', spatial: 'blockDiagonal' },
};

export function defaultGroupConvStrategy(backend: string, pointwise: boolean): GroupConvStrategy {
  const entry = MEASURED[backend];
  if (!entry) return 'blockDiagonal';
  return pointwise ? entry.pointwise : entry.spatial;
}

/** Channel gather strategy per backend (see bench/results). */
const INDEX_SELECT: Record<string, IndexSelectStrategy> = {
  cpu: 'gather',
  wasm: 'matMul',
};

export function defaultIndexSelectStrategy(backend: string): IndexSelectStrategy {
  return INDEX_SELECT[backend] ?? 'gather';
}
