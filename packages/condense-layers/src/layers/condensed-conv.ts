import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { channelShuffle } from '../ops/channel-shuffle.js';
import { groupConv2d } from '../ops/group-conv2d.js';
import { indexSelect } from '../ops/index-select.js';
import { defaultIndexSelectStrategy } from '../ops/strategy-defaults.js';
import {
  CondenseLayer,
  batchNormRelu,
  convInitializer,
  isPositiveInt,
  isTraining,
  requireField,
  singleInput,
  singleShape,
  type Kwargs,
  type LayerArgs,
  type LayerVariable,
  type NormVariables,
  type Shape,
} from './base.js';

export interface CondensedConvArgs extends NonNullable<LayerArgs> {
  /** O: output channels. */
  filters: number;
  /** G: groups of the 1x1 conv and of the shuffle. */
  groups: number;
  /** G * K: channels the index gathers (K = R / C per group). */
  selected: number;
}

/**
 * The reference's CondensingConv, the inference form of a learned group conv:
 * index -> BN -> ReLU -> grouped 1x1 conv -> channel shuffle. Weights `index` (int32 [G*K]),
 * `norm.*` [G*K], `conv.weight` [1, 1, K, O].
 */
export class CondensedConv extends CondenseLayer {
  static className = 'CondensedConv';
  readonly filters: number;
  readonly groups: number;
  readonly selected: number;
  private index!: LayerVariable;
  private norm!: NormVariables;
  private kernel!: LayerVariable;

  constructor(args: CondensedConvArgs) {
    super(args);
    const cfg = args as unknown as Record<string, unknown>;
    for (const field of ['filters', 'groups', 'selected']) {
      requireField(CondensedConv.className, cfg, field, isPositiveInt, 'a positive integer');
    }
    this.filters = args.filters;
    this.groups = args.groups;
    this.selected = args.selected;
    if (this.filters % this.groups !== 0 || this.selected % this.groups !== 0) {
      throw new Error(
        `CondensedConv layer "${this.name}": filters ${this.filters} and selected ${this.selected} must split into ${this.groups} groups`,
      );
    }
  }

  override build(): void {
    this.index = this.weight('index', [this.selected], tfl.initializers.zeros(), false, 'int32');
    this.norm = this.addNorm(this.selected);
    this.kernel = this.weight(
      'conv.weight',
      [1, 1, this.selected / this.groups, this.filters],
      convInitializer(1, 1, this.filters),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...singleShape(inputShape).slice(0, -1), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const strategy = defaultIndexSelectStrategy(tf.getBackend());
      const gathered = indexSelect(singleInput(inputs), this.index.read() as tf.Tensor1D, strategy);
      const h = batchNormRelu(gathered, this.norm, isTraining(kwargs)) as tf.Tensor4D;
      const y = groupConv2d(h, this.kernel.read() as tf.Tensor4D, { groups: this.groups });
      return channelShuffle(y, this.groups);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, groups: this.groups, selected: this.selected };
  }
}
tf.serialization.registerClass(CondensedConv);
