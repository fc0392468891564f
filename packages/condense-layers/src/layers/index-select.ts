import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { indexSelect } from '../ops/index-select.js';
import { defaultIndexSelectStrategy } from '../ops/strategy-defaults.js';
import {
  CondenseLayer,
  isPositiveInt,
  requireField,
  singleInput,
  singleShape,
  type LayerArgs,
  type LayerVariable,
  type Shape,
} from './base.js';

export interface IndexSelectArgs extends NonNullable<LayerArgs> {
  /** Number of entries in the index (channels out). */
  size: number;
}

/** Gathers channels (last axis) by a saved int32 `index` weight; entries may repeat. */
export class IndexSelect extends CondenseLayer {
  static className = 'IndexSelect';
  readonly size: number;
  private index!: LayerVariable;

  constructor(args: IndexSelectArgs) {
    super(args);
    requireField(IndexSelect.className, args as unknown as Record<string, unknown>, 'size', isPositiveInt, 'a positive integer');
    this.size = args.size;
  }

  override build(): void {
    this.index = this.weight('index', [this.size], tfl.initializers.zeros(), false, 'int32');
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...singleShape(inputShape).slice(0, -1), this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return indexSelect(singleInput(inputs), this.index.read() as tf.Tensor1D, defaultIndexSelectStrategy(tf.getBackend()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size };
  }
}
tf.serialization.registerClass(IndexSelect);
