import type { ArchitecturePlan } from './types.js';

export type ModelForm = 'training' | 'condensed';

/** What a reference state_dict entry holds, so importers know how to convert it. */
export type ReferenceRole =
  | 'conv-weight'
  | 'bn-weight'
  | 'bn-bias'
  | 'bn-running-mean'
  | 'bn-running-var'
  | 'bn-num-batches'
  | 'lgc-mask'
  | 'lgc-count'
  | 'lgc-stage'
  | 'index'
  | 'linear-weight'
  | 'linear-bias';

export interface ReferenceParameter {
  /** The reference implementation's state_dict key. */
  name: string;
  /** PyTorch shape: OIHW for convs, [out, in] for Linear, [C] for BN, [] for scalars. */
  shape: number[];
  dtype: 'float32' | 'int32';
  role: ReferenceRole;
  /** The plan layer it belongs to (`init_conv`, `denseblock_1.denselayer_1`, `norm_last`, `classifier`). */
  layer: string;
}

/**
 * The state_dict keys and shapes the authors' PyTorch code produces for this plan, in network
 * order, so checkpoints trained with it can be imported and ours exported.
 */
export function referenceParameters(plan: ArchitecturePlan, form: ModelForm): ReferenceParameter[] {
  const out: ReferenceParameter[] = [];
  const add = (
    layer: string,
    name: string,
    shape: number[],
    role: ReferenceRole,
    dtype: 'float32' | 'int32' = 'float32',
  ) => out.push({ name, shape, dtype, role, layer });
  const batchNorm = (layer: string, prefix: string, channels: number) => {
    add(layer, `${prefix}.weight`, [channels], 'bn-weight');
    add(layer, `${prefix}.bias`, [channels], 'bn-bias');
    add(layer, `${prefix}.running_mean`, [channels], 'bn-running-mean');
    add(layer, `${prefix}.running_var`, [channels], 'bn-running-var');
    add(layer, `${prefix}.num_batches_tracked`, [], 'bn-num-batches', 'int32');
  };

  const { stem, head } = plan;
  add(stem.name, `${stem.torchName}.weight`, [stem.outChannels, stem.inChannels, 3, 3], 'conv-weight');
  for (const block of plan.blocks) {
    for (const layer of block.layers) {
      const p = `${layer.torchPrefix}.conv_1`;
      const { inChannels: r, outChannels: o } = layer.learnedGroup;
      if (form === 'training') {
        batchNorm(layer.name, `${p}.norm`, r);
        add(layer.name, `${p}.conv.weight`, [o, r, 1, 1], 'conv-weight');
        add(layer.name, `${p}._count`, [1], 'lgc-count');
        add(layer.name, `${p}._stage`, [1], 'lgc-stage');
        add(layer.name, `${p}._mask`, [o, r, 1, 1], 'lgc-mask');
      } else {
        const kept = layer.condensedInChannels;
        batchNorm(layer.name, `${p}.norm`, kept);
        add(layer.name, `${p}.conv.weight`, [o, kept / layer.learnedGroup.groups, 1, 1], 'conv-weight');
        add(layer.name, `${p}.index`, [kept], 'index', 'int32');
      }
      const q = `${layer.torchPrefix}.conv_2`;
      const c3 = layer.conv3x3;
      batchNorm(layer.name, `${q}.norm`, c3.inChannels);
      add(layer.name, `${q}.conv.weight`, [c3.outChannels, c3.inChannels / c3.groups, 3, 3], 'conv-weight');
    }
  }
  batchNorm('norm_last', 'features.norm_last', head.features);
  if (form === 'training') {
    add('classifier', 'classifier.weight', [head.classes, head.features], 'linear-weight');
    add('classifier', 'classifier.bias', [head.classes], 'linear-bias');
  } else {
    add('classifier', 'classifier.index', [head.condensedFeatures], 'index', 'int32');
    add('classifier', 'classifier.linear.weight', [head.classes, head.condensedFeatures], 'linear-weight');
    add('classifier', 'classifier.linear.bias', [head.classes], 'linear-bias');
  }
  return out;
}
