import { buildPlan, denseLayers, referenceParameters, type ArchitecturePlan, type CondenseNetConfig, type ReferenceRole } from '@condensenet/core';

/** A tensor the condensed form of a plan must carry. */
export interface ExpectedTensor {
  layer: string;
  name: string;
  shape: number[];
  kind: 'float' | 'int32';
  role: ReferenceRole;
  /** For index tensors: entries must lie in [0, indexBound). */
  indexBound?: number;
}

/**
 * The condensed form's tensors from core's list of reference state_dict entries, minus the
 * BatchNorm batch counters, which inference never reads.
 */
export function expectedTensors(config: CondenseNetConfig): { plan: ArchitecturePlan; tensors: ExpectedTensor[] } {
  const plan = buildPlan(config);
  const inChannels = new Map(denseLayers(plan).map((l) => [l.name, l.inChannels]));
  const tensors = referenceParameters(plan, 'condensed')
    .filter((p) => p.role !== 'bn-num-batches')
    .map((p): ExpectedTensor => {
      const t: ExpectedTensor = { layer: p.layer, name: p.name, shape: p.shape, kind: p.dtype === 'int32' ? 'int32' : 'float', role: p.role };
      if (p.role === 'index') t.indexBound = p.layer === 'classifier' ? plan.head.features : inChannels.get(p.layer);
      return t;
    });
  return { plan, tensors };
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
