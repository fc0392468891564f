import type { ArchitecturePlan } from '../plan/index.js';

/**
 * - `training`: the paper's count of the training form (learned group convs at 1/C of their
 *   dense figures, full classifier), as the reference's measure_model reports it.
 * - `condensed`: the converted model (index + grouped conv, condensing linear).
 * - `executed`: what the masked training form really computes: dense 1x1 convs, full classifier.
 */
export type CostForm = 'training' | 'condensed' | 'executed';

export type CostKind = 'conv' | 'learned-conv' | 'batchnorm' | 'relu' | 'avgpool' | 'linear';

export interface LayerCost {
  /** Reference module name, e.g. `features.denseblock_1.denselayer_1.conv_1.conv`. */
  name: string;
  kind: CostKind;
  /** Plan section it belongs to: `init_conv`, `denseblock_1`, `transition_1`, `head`, `classifier`. */
  section: string;
  /** Multiply-adds (ops for ReLU and pooling), batch 1. */
  flops: number;
  params: number;
}

export interface SectionCost {
  section: string;
  flops: number;
  params: number;
}

export interface CostReport {
  form: CostForm;
  flops: number;
  params: number;
  layers: LayerCost[];
  sections: SectionCost[];
}

/**
 * Counts FLOPs and parameters the way spec section 4 (the reference's measure_model) does:
 * conv = Cin*Cout*kh*kw*Hout*Wout/groups multiply-adds and its weights; ReLU = its elements;
 * average pool = channels*Hout*Wout*k*k; Linear = weights + biases for both; BatchNorm = gamma
 * and beta as parameters, nothing as FLOPs; index and shuffle layers are free.
 */
export function countCost(plan: ArchitecturePlan, form: CostForm): CostReport {
  const layers: LayerCost[] = [];
  const push = (section: string, name: string, kind: CostKind, flops: number, params: number) =>
    layers.push({ name, kind, section, flops, params });
  const conv = (
    section: string,
    name: string,
    kind: CostKind,
    shape: { cin: number; cout: number; k: number; size: number; groups: number },
  ) => {
    const { cin, cout, k, size, groups } = shape;
    push(section, name, kind, (cin * cout * k * k * size * size) / groups, ((cout * cin) / groups) * k * k);
  };
  const batchNorm = (section: string, name: string, channels: number) =>
    push(section, name, 'batchnorm', 0, 2 * channels);
  const relu = (section: string, name: string, channels: number, size: number) =>
    push(section, name, 'relu', channels * size * size, 0);

  const { stem, head, config } = plan;
  conv(stem.name, stem.torchName, 'conv', {
    cin: stem.inChannels,
    cout: stem.outChannels,
    k: 3,
    size: stem.outputSize,
    groups: 1,
  });

  for (const block of plan.blocks) {
    for (const layer of block.layers) {
      const size = layer.spatial;
      const p = `${layer.torchPrefix}.conv_1`;
      const { inChannels: r, outChannels: o, groups, condenseFactor } = layer.learnedGroup;
      if (form === 'condensed') {
        const kept = layer.condensedInChannels;
        batchNorm(block.name, `${p}.norm`, kept);
        relu(block.name, `${p}.relu`, kept, size);
        conv(block.name, `${p}.conv`, 'conv', { cin: kept, cout: o, k: 1, size, groups });
      } else {
        batchNorm(block.name, `${p}.norm`, r);
        relu(block.name, `${p}.relu`, r, size);
        // The paper credits the learned conv with the 1/C of its weights that survive condensing.
        const groupsCredited = form === 'training' ? condenseFactor : 1;
        conv(block.name, `${p}.conv`, 'learned-conv', { cin: r, cout: o, k: 1, size, groups: groupsCredited });
      }
      const q = `${layer.torchPrefix}.conv_2`;
      const c3 = layer.conv3x3;
      batchNorm(block.name, `${q}.norm`, c3.inChannels);
      relu(block.name, `${q}.relu`, c3.inChannels, size);
      conv(block.name, `${q}.conv`, 'conv', {
        cin: c3.inChannels,
        cout: c3.outChannels,
        k: 3,
        size,
        groups: c3.groups,
      });
    }
    const t = block.transition;
    if (t) push(t.name, `${t.torchName}.pool`, 'avgpool', t.channels * t.outputSize * t.outputSize * 4, 0);
  }

  batchNorm('head', 'features.norm_last', head.features);
  relu('head', 'features.relu_last', head.features, head.spatial);
  const pooled = Math.floor((head.spatial - config.poolSize) / config.poolSize + 1);
  push('head', 'features.pool_last', 'avgpool', head.features * pooled * pooled * config.poolSize ** 2, 0);

  const inFeatures = form === 'condensed' ? head.condensedFeatures : head.features;
  const linear = head.classes * inFeatures + head.classes;
  push('classifier', form === 'condensed' ? 'classifier.linear' : 'classifier', 'linear', linear, linear);

  return {
    form,
    flops: total(layers, 'flops'),
    params: total(layers, 'params'),
    layers,
    sections: sectionTotals(layers),
  };
}

function sectionTotals(layers: LayerCost[]): SectionCost[] {
  const bySection = new Map<string, SectionCost>();
  for (const l of layers) {
    const entry = bySection.get(l.section) ?? { section: l.section, flops: 0, params: 0 };
    entry.flops += l.flops;
    entry.params += l.params;
    bySection.set(l.section, entry);
  }
  return [...bySection.values()];
}

function total(layers: LayerCost[], key: 'flops' | 'params'): number {
  return layers.reduce((a, l) => a + l[key], 0);
}
