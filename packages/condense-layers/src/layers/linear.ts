import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { indexSelect } from '../ops/index-select.js';
import { defaultIndexSelectStrategy } from '../ops/strategy-defaults.js';
import {
  CondenseLayer,
  linearInitializer,
  isPositiveInt,
  requireField,
  singleInput,
  singleShape,
  type LayerArgs,
  type LayerVariable,
  type Shape,
} from './base.js';

export interface LinearArgs extends NonNullable<LayerArgs> {
  units: number;
}

/**
 * PyTorch's nn.Linear with the reference's init: weight U(-1/sqrt(in), 1/sqrt(in)), bias 0.
 * Weights `weight` [in, out] (tfjs layout) and `bias`.
 */
export class Linear extends CondenseLayer {
  static className = 'Linear';
  readonly units: number;
  private kernel!: LayerVariable;
  private bias!: LayerVariable;

  constructor(args: LinearArgs) {
    super(args);
    requireField(Linear.className, args as unknown as Record<string, unknown>, 'units', isPositiveInt, 'a positive integer');
    this.units = args.units;
  }

  override build(inputShape: Shape | Shape[]): void {
    const inFeatures = singleShape(inputShape).at(-1) as number;
    this.kernel = this.weight('weight', [inFeatures, this.units], linearInitializer(inFeatures));
    this.bias = this.weight('bias', [this.units], tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [singleShape(inputShape)[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.add(tf.matMul(singleInput(inputs) as tf.Tensor2D, this.kernel.read() as tf.Tensor2D), this.bias.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units };
  }
}
tf.serialization.registerClass(Linear);

export interface CondensingLinearArgs extends LinearArgs {
  /** Input features kept (the index length). */
  selected: number;
}

/**
 * The reference's CondensingLinear: Linear over x[:, index]. Weights `index` (int32),
 * `linear.weight` [selected, units], `linear.bias`.
 */
export class CondensingLinear extends CondenseLayer {
  static className = 'CondensingLinear';
  readonly units: number;
  readonly selected: number;
  private index!: LayerVariable;
  private kernel!: LayerVariable;
  private bias!: LayerVariable;

  constructor(args: CondensingLinearArgs) {
    super(args);
    const cfg = args as unknown as Record<string, unknown>;
    requireField(CondensingLinear.className, cfg, 'units', isPositiveInt, 'a positive integer');
    requireField(CondensingLinear.className, cfg, 'selected', isPositiveInt, 'a positive integer');
    this.units = args.units;
    this.selected = args.selected;
  }

  override build(): void {
    this.index = this.weight('index', [this.selected], tfl.initializers.zeros(), false, 'int32');
    this.kernel = this.weight(
      'linear.weight',
      [this.selected, this.units],
      linearInitializer(this.selected),
    );
    this.bias = this.weight('linear.bias', [this.units], tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [singleShape(inputShape)[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const strategy = defaultIndexSelectStrategy(tf.getBackend());
      const x = indexSelect(singleInput(inputs), this.index.read() as tf.Tensor1D, strategy) as tf.Tensor2D;
      return tf.add(tf.matMul(x, this.kernel.read() as tf.Tensor2D), this.bias.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, selected: this.selected };
  }
}
tf.serialization.registerClass(CondensingLinear);
