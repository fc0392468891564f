import { buildPlan, referenceParameters, type ReferenceParameter } from '@condensenet/core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { CondenseLayer } from '../layers/base.js';
import { condenseNetMetadata } from './condensenet.js';
import { assignReferenceTensor, readReferenceTensor, type ReferenceTensor } from './reference-tensor.js';

export type ReferenceStateDict = ReadonlyMap<string, ReferenceTensor> | Record<string, ReferenceTensor>;

/** The reference state_dict entries this model holds, in the reference's order. */
export function referenceParametersOf(model: tfl.LayersModel): ReferenceParameter[] {
  const meta = condenseNetMetadata(model);
  const plan = buildPlan(meta.config);
  const params = referenceParameters(plan, meta.form);
  if (meta.form === 'training' || meta.condensingLinear) return params;
  // A condensed model may keep the full classifier: its entries are the training form's.
  const classifier = referenceParameters(plan, 'training').filter((p) => p.layer === 'classifier');
  return [...params.filter((p) => p.layer !== 'classifier'), ...classifier];
}

/** The model weight that holds a reference state_dict entry (its `originalName` is stable across processes). */
export function referenceVariable(model: tfl.LayersModel, name: string): tfl.LayerVariable {
  const { layer, weight } = locate(model, name);
  return layer.referenceWeight(weight);
}

/** `features.denseblock_1.denselayer_1.conv_1.norm.weight` -> that layer and `norm.weight`. */
function locate(model: tfl.LayersModel, name: string): { layer: CondenseLayer; weight: string } {
  const path = name.startsWith('features.') ? name.slice('features.'.length) : name;
  const parts = path.split('.');
  for (let cut = parts.length - 1; cut > 0; cut--) {
    const layerName = parts.slice(0, cut).join('.');
    const layer = model.layers.find((l) => l.name === layerName);
    if (layer instanceof CondenseLayer) return { layer, weight: parts.slice(cut).join('.') };
  }
  throw new Error(`model "${model.name}" has no layer for reference parameter "${name}"`);
}

/**
 * Loads a PyTorch state_dict of the reference (names and layouts as its `state_dict()`,
 * e.g. from a converted checkpoint) into a model of the matching form. Every parameter the
 * reference has must be present; `num_batches_tracked` is ignored (PyTorch's momentum BN does
 * not use it). Unknown extra entries are an error, so a wrong checkpoint cannot half-load.
 */
export function loadReferenceStateDict(model: tfl.LayersModel, stateDict: ReferenceStateDict): void {
  const entries: ReadonlyMap<string, ReferenceTensor> = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
  const get = (name: string) => entries.get(name);
  const names = [...entries.keys()];
  const params = referenceParametersOf(model);
  const known = new Set(params.map((p) => p.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new Error(`state dict has entries this model does not: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', ...' : ''}`);
  }
  for (const p of params) {
    if (p.role === 'bn-num-batches') continue;
    const tensor = get(p.name);
    if (!tensor) throw new Error(`state dict lacks "${p.name}" (PyTorch shape [${p.shape}])`);
    const { layer, weight } = locate(model, p.name);
    assignReferenceTensor(layer, weight, tensor);
  }
}

/** The model's weights as the reference's state_dict (PyTorch layouts, reference names). */
export function exportReferenceStateDict(model: tfl.LayersModel): Map<string, { shape: number[]; data: Float32Array | Int32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array | Int32Array }>();
  for (const p of referenceParametersOf(model)) {
    if (p.role === 'bn-num-batches') {
      out.set(p.name, { shape: [], data: new Int32Array(1) });
      continue;
    }
    const { layer, weight } = locate(model, p.name);
    out.set(p.name, readReferenceTensor(layer, weight));
  }
  return out;
}
