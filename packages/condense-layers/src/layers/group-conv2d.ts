import * as tf from '@tensorflow/tfjs-core';
import { groupConv2d, GROUP_CONV_STRATEGIES, type GroupConvStrategy } from '../ops/group-conv2d.js';
import {
  CondenseLayer,
  batchNormRelu,
  convInitializer,
  isNonNegativeInt,
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

export interface GroupConv2DArgs extends NonNullable<LayerArgs> {
  filters: number;
  kernelSize: number;
  strides?: number;
  /** Zero padding on each side, PyTorch style. */
  padding?: number;
  groups?: number;
  /** BN -> ReLU in front of the conv, as the reference's `Conv` module (conv_2) does. */
  preActivation?: boolean;
  /** Fixes the grouped-conv strategy; by default the measured choice for the backend. */
  strategy?: GroupConvStrategy | null;
}

/**
 * A k x k convolution with PyTorch's `groups` (tfjs has none), optionally preceded by BN and
 * ReLU. Weights: `weight` or, with pre-activation, `norm.*` and `conv.weight` [k, k, I/G, O].
 */
export class GroupConv2D extends CondenseLayer {
  static className = 'GroupConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: number;
  readonly groups: number;
  readonly preActivation: boolean;
  readonly strategy: GroupConvStrategy | null;
  private norm: NormVariables | null = null;
  private kernel!: LayerVariable;

  constructor(args: GroupConv2DArgs) {
    super(args);
    const cfg = args as unknown as Record<string, unknown>;
    const c = GroupConv2D.className;
    requireField(c, cfg, 'filters', isPositiveInt, 'a positive integer');
    requireField(c, cfg, 'kernelSize', isPositiveInt, 'a positive integer');
    requireField(c, cfg, 'strides', (v) => v === undefined || isPositiveInt(v), 'a positive integer');
    requireField(c, cfg, 'padding', (v) => v === undefined || isNonNegativeInt(v), 'a non-negative integer');
    requireField(c, cfg, 'groups', (v) => v === undefined || isPositiveInt(v), 'a positive integer');
    requireField(
      c,
      cfg,
      'strategy',
      (v) => v === undefined || v === null || GROUP_CONV_STRATEGIES.includes(v as GroupConvStrategy),
      `one of ${GROUP_CONV_STRATEGIES.join(', ')}`,
    );
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.strides = args.strides ?? 1;
    this.padding = args.padding ?? 0;
    this.groups = args.groups ?? 1;
    this.preActivation = args.preActivation ?? false;
    this.strategy = args.strategy ?? null;
    if (this.filters % this.groups !== 0) {
      throw new Error(`GroupConv2D layer "${this.name}": filters ${this.filters} do not split into ${this.groups} groups`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const cin = singleShape(inputShape).at(-1) as number;
    if (cin % this.groups !== 0) {
      throw new Error(`GroupConv2D layer "${this.name}": ${cin} input channels do not split into ${this.groups} groups`);
    }
    const k = this.kernelSize;
    if (this.preActivation) this.norm = this.addNorm(cin);
    this.kernel = this.weight(
      this.preActivation ? 'conv.weight' : 'weight',
      [k, k, cin / this.groups, this.filters],
      convInitializer(k, k, this.filters),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w] = singleShape(inputShape);
    const out = (s: number | null) =>
      s === null ? null : Math.floor((s + 2 * this.padding - this.kernelSize) / this.strides) + 1;
    return [n, out(h), out(w), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      let x = singleInput(inputs);
      if (this.norm) x = batchNormRelu(x, this.norm, isTraining(kwargs));
      return groupConv2d(x as tf.Tensor4D, this.kernel.read() as tf.Tensor4D, {
        groups: this.groups,
        stride: this.strides,
        padding: this.padding,
        ...(this.strategy ? { strategy: this.strategy } : {}),
      });
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      groups: this.groups,
      preActivation: this.preActivation,
      strategy: this.strategy,
    };
  }
}
tf.serialization.registerClass(GroupConv2D);
