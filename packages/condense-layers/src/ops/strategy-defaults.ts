import type { GroupConvStrategy } from './group-conv2d.js';
import type { IndexSelectStrategy } from './index-select.js';

export interface BackendStrategies {
  /** Grouped 1x1 convs (the condensed form's CondensedConv). */
  pointwise: GroupConvStrategy;
  /** Grouped k x k convs (the 3x3 convs of both forms). */
  spatial: GroupConvStrategy;
  /** The channel gather in front of condensed convs and the condensing linear. */
  indexSelect: IndexSelectStrategy;
  /**
   * The learned group conv in training computes only its kept connections (the condensed
   * layout, this package's kernels) once every group keeps at most this fraction of its
   * inputs; before that, and with 0, the dense conv with kernel * mask.
   */
  condensedTrainingMaxKept: number;
}

// The condensed training layout pays once it saves enough multiply-adds to cover gathering
// G * k activation columns per pixel (perf/RESULTS.md, 2026-12-01).
const CONDENSED_WASM = 0.5;
const CONDENSED_CPU = 0.75;

/**
 * Defaults per backend, from bench/results/amd-epyc-2core-node20.json (the README quotes the
 * numbers; spatial `direct` from perf/RESULTS.md, 2026-12-01): the op-level medians over CondenseNet-86's layer shapes decide; whole-model runs
 * with each alternative forced are recorded beside them but on the shared 2-core machine their
 * differences were within run-to-run noise. Backends not measured (webgl, webgpu) get one dense
 * block-diagonal conv per layer, the fewest kernel launches, and the plain gather.
 */
const MEASURED: Record<string, BackendStrategies> = {
  cpu: { pointwise: 'batchedMatMul', spatial: 'direct', indexSelect: 'gather', condensedTrainingMaxKept: CONDENSED_CPU },
  wasm: { pointwise: 'blockDiagonal', spatial: 'direct', indexSelect: 'matMul', condensedTrainingMaxKept: CONDENSED_WASM },
};

/**
 * Where `direct` is the default but its kernels do not take the shape: the stock strategy that
 * was measured fastest for grouped k x k convs on both wasm and cpu before they existed.
 */
const STOCK_SPATIAL: GroupConvStrategy = 'split';

const UNMEASURED: BackendStrategies = {
  pointwise: 'blockDiagonal',
  spatial: 'blockDiagonal',
  indexSelect: 'gather',
  condensedTrainingMaxKept: 0,
};

/** Replaced entries, for benchmarks and for users who measured their own device. */
const overrides: Record<string, Partial<BackendStrategies>> = {};

export function backendStrategies(backend: string): BackendStrategies {
  return { ...(MEASURED[backend] ?? UNMEASURED), ...overrides[backend] };
}

/** Overrides the defaults of one backend (pass `{}` to go back to the measured ones). */
export function setBackendStrategies(backend: string, strategies: Partial<BackendStrategies>): void {
  overrides[backend] = { ...strategies };
}

/** `direct`: whether the direct kernels take this conv (`directGroupConvApplies`). */
export function defaultGroupConvStrategy(backend: string, pointwise: boolean, direct = false): GroupConvStrategy {
  const s = backendStrategies(backend);
  const chosen = pointwise ? s.pointwise : s.spatial;
  return chosen === 'direct' && !direct ? STOCK_SPATIAL : chosen;
}

export function defaultIndexSelectStrategy(backend: string): IndexSelectStrategy {
  return backendStrategies(backend).indexSelect;
}
