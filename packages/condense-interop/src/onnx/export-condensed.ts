import { buildPlan } from '@condensenet/core';
import type { ArchitecturePlan, CondenseNetConfig } from '@condensenet/core';
import { InteropError } from '../errors.js';
import { CondensedTensors, EXPORT_SOURCE } from './condensed-tensors.js';
import { float, GraphBuilder, int, ints } from './graph-builder.js';
import { encodeModel, OnnxDataType } from './onnx-proto.js';

/** A condensed (converted) CondenseNet: its configuration and the reference state_dict. */
export interface CondensedWeights {
  config: CondenseNetConfig;
  /** By the converted model's state_dict keys (`referenceParameters(plan, 'condensed')`); indices as Int32Array. */
  tensors: ReadonlyMap<string, Float32Array | Int32Array>;
  batchNormEpsilon: number;
  /** Per-channel mean and std the training inputs were normalised with. */
  normalization?: { mean: readonly number[]; std: readonly number[] };
}

export interface CondensedOnnxOptions {
  /**
   * Put `(input - mean) / std` in the graph, so it takes images in [0, 1]. Default false: the
   * input is already normalised, as the torch model's is.
   */
  includeNormalization?: boolean;
  /**
   * Default-domain opset, 13 (the default) to 17: the operators used mean the same in all of
   * them, and IR version 8 covers them.
   */
  opset?: number;
}

const IR_VERSION = 8;
const OPSETS = { min: 13, max: 17 };

/**
 * The converted model as one ONNX file with the reference's semantics: stem conv; per dense
 * layer index-select, BN, ReLU, grouped 1x1 conv and channel shuffle, then BN, ReLU, grouped
 * 3x3 conv, concatenated with the layer's input; 2x2 average pools between blocks; BN, ReLU,
 * average pool, feature index-select and linear. Input `input` [batch, C, H, W] float32 NCHW,
 * output `logits` [batch, classes]; the batch is dynamic. Nodes and initializers carry the
 * reference's state_dict names.
 */
export function exportCondensedOnnx(model: CondensedWeights, options: CondensedOnnxOptions = {}): Uint8Array {
  const opset = options.opset ?? OPSETS.min;
  if (!Number.isInteger(opset) || opset < OPSETS.min || opset > OPSETS.max) {
    throw new InteropError(EXPORT_SOURCE, `opset ${opset} is not supported (${OPSETS.min} to ${OPSETS.max})`);
  }
  const epsilon = model.batchNormEpsilon;
  if (!(Number.isFinite(epsilon) && epsilon >= 0)) {
    throw new InteropError(EXPORT_SOURCE, `batchNormEpsilon ${epsilon} must be a finite number >= 0`);
  }
  const plan = buildPlan(model.config);
  const { stem, head, config } = plan;
  const g = new GraphBuilder();
  const m = new Modules(g, new CondensedTensors(model.tensors, plan), epsilon);

  let x = 'input';
  if (options.includeNormalization) x = normalize(g, x, model, config.inputChannels);
  x = m.conv(x, stem.torchName, 3, { stride: stem.stride });
  for (const block of plan.blocks) {
    for (const layer of block.layers) {
      const c1 = `${layer.torchPrefix}.conv_1`;
      const { groups, outChannels } = layer.learnedGroup;
      let y = m.indexSelect(x, c1, layer.inChannels);
      y = m.relu(m.batchNorm(y, `${c1}.norm`), `${c1}.relu`);
      y = m.conv(y, `${c1}.conv`, 1, { groups });
      y = m.shuffle(y, `${c1}.shuffle`, groups, outChannels, layer.spatial);
      const c2 = `${layer.torchPrefix}.conv_2`;
      y = m.relu(m.batchNorm(y, `${c2}.norm`), `${c2}.relu`);
      y = m.conv(y, `${c2}.conv`, 3, { groups: layer.conv3x3.groups });
      x = g.node('Concat', layer.torchPrefix, [x, y], [int('axis', 1)]);
    }
    if (block.transition) x = m.avgPool(x, `${block.transition.torchName}.pool`, 2);
  }
  x = m.relu(m.batchNorm(x, 'features.norm_last'), 'features.relu_last');
  x = m.avgPool(x, 'features.pool_last', head.poolSize);
  x = g.node('Flatten', 'flatten', [x], [int('axis', 1)]);
  x = m.indexSelect(x, 'classifier', head.features);
  m.linear(x, 'classifier.linear', 'logits');

  const side = config.inputSize;
  const graph = g.graph(
    'condensenet',
    [{ name: 'input', elemType: OnnxDataType.FLOAT, shape: ['batch', config.inputChannels, side, side] }],
    [{ name: 'logits', elemType: OnnxDataType.FLOAT, shape: ['batch', head.classes] }],
    documentation(plan, options.includeNormalization === true),
  );
  return encodeModel({ irVersion: IR_VERSION, producerName: 'condensenet', opsetVersion: opset, graph });
}

/** The reference's torch modules as ONNX nodes, each named after the module and reading its state_dict entries. */
class Modules {
  constructor(
    private readonly g: GraphBuilder,
    private readonly tensors: CondensedTensors,
    private readonly epsilon: number,
  ) {}

  /** Conv2d without bias, padding k // 2 (the stem and the 3x3 convs pad 1, the 1x1 convs none). */
  conv(x: string, name: string, k: 1 | 3, { stride = 1, groups = 1 } = {}): string {
    const pad = (k - 1) / 2;
    return this.g.node('Conv', name, [x, this.weight(`${name}.weight`)], [
      ints('kernel_shape', [k, k]),
      ints('pads', [pad, pad, pad, pad]),
      ints('strides', [stride, stride]),
      int('group', groups),
    ]);
  }

  /** Eval-mode BatchNorm2d. */
  batchNorm(x: string, name: string): string {
    const inputs = ['weight', 'bias', 'running_mean', 'running_var'].map((k) => this.weight(`${name}.${k}`));
    return this.g.node('BatchNormalization', name, [x, ...inputs], [float('epsilon', this.epsilon)]);
  }

  relu(x: string, name: string): string {
    return this.g.node('Relu', name, [x]);
  }

  /** `index_select(x, 1, <prefix>.index)`; the index must pick among `bound` channels. */
  indexSelect(x: string, prefix: string, bound: number): string {
    const name = `${prefix}.index`;
    const index = this.tensors.index(name, bound);
    return this.g.node('Gather', `${prefix}.index_select`, [x, this.g.int64s(name, [index.length], index)], [
      int('axis', 1),
    ]);
  }

  /**
   * ShuffleLayer: view(N, G, C/G, H, W), transpose(1, 2), view(N, C, H, W). The 0 in each shape
   * copies the batch dimension, so one graph serves every batch size.
   */
  shuffle(x: string, name: string, groups: number, channels: number, side: number): string {
    const split = this.g.int64s(`${name}.split_shape`, [5], [0, groups, channels / groups, side, side]);
    const merge = this.g.int64s(`${name}.merge_shape`, [4], [0, channels, side, side]);
    const y = this.g.node('Reshape', `${name}.split`, [x, split]);
    const t = this.g.node('Transpose', `${name}.transpose`, [y], [ints('perm', [0, 2, 1, 3, 4])]);
    return this.g.node('Reshape', `${name}.merge`, [t, merge]);
  }

  /** AvgPool2d(k) (stride k, no padding, floor). */
  avgPool(x: string, name: string, k: number): string {
    return this.g.node('AveragePool', name, [x], [ints('kernel_shape', [k, k]), ints('strides', [k, k])]);
  }

  linear(x: string, name: string, output: string): string {
    const inputs = [x, this.weight(`${name}.weight`), this.weight(`${name}.bias`)];
    return this.g.node('Gemm', name, inputs, [int('transB', 1)], output);
  }

  private weight(name: string): string {
    const { shape, data } = this.tensors.floats(name);
    return this.g.floats(name, shape, data);
  }
}

function normalize(g: GraphBuilder, x: string, model: CondensedWeights, channels: number): string {
  const { normalization } = model;
  if (normalization === undefined) {
    throw new InteropError(EXPORT_SOURCE, 'includeNormalization needs the model\'s normalization (mean and std)');
  }
  for (const key of ['mean', 'std'] as const) {
    const values = normalization[key];
    if (values.length !== channels) {
      const detail = `normalization.${key} has ${values.length} entries, expected ${channels} (one per input channel)`;
      throw new InteropError(EXPORT_SOURCE, detail);
    }
    if (!values.every((v) => Number.isFinite(v) && (key === 'mean' || v > 0))) {
      const rule = key === 'std' ? 'finite and positive' : 'finite';
      throw new InteropError(EXPORT_SOURCE, `normalization.${key} [${values.join(', ')}] must be ${rule}`);
    }
  }
  const dims = [1, channels, 1, 1];
  const y = g.node('Sub', 'normalize.sub', [x, g.floats('normalize.mean', dims, normalization.mean)]);
  return g.node('Div', 'normalize.div', [y, g.floats('normalize.std', dims, normalization.std)]);
}

function documentation(plan: ArchitecturePlan, normalized: boolean): string {
  const { config } = plan;
  const input = normalized
    ? 'images with values in [0, 1] (normalised inside the graph)'
    : 'images already normalised with the training mean and std';
  return (
    `CondenseNet-${plan.depth}, condensed form: stages ${config.stages.join('-')}, ` +
    `growth ${config.growth.join('-')}, bottleneck ${config.bottleneck}, group1x1 ${config.group1x1}, ` +
    `group3x3 ${config.group3x3}, condenseFactor ${config.condenseFactor}. ` +
    `input: float32 NCHW [batch, ${config.inputChannels}, ${config.inputSize}, ${config.inputSize}], ${input}. ` +
    `logits: [batch, ${config.numClasses}], before softmax.`
  );
}
