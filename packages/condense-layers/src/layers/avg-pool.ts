import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { avgPool2d } from '../ops/avg-pool.js';
import { isPositiveInt, requireField, singleInput, singleShape, type LayerArgs, type Shape } from './base.js';

export interface AvgPool2DArgs extends NonNullable<LayerArgs> {
  /** Window and stride (square, no padding, as PyTorch's `AvgPool2d(k)`). */
  poolSize: number;
}

/**
 * k x k average pool, stride k, no padding: tfjs-layers' averagePooling2d with a gradient that is
 * one broadcast multiply instead of the backend's AvgPoolGrad (see `avgPool2d`). No weights.
 */
export class AvgPool2D extends tfl.layers.Layer {
  static className = 'CondenseAvgPool2D';
  readonly poolSize: number;

  constructor(args: AvgPool2DArgs) {
    super(args);
    requireField(AvgPool2D.className, args as unknown as Record<string, unknown>, 'poolSize', isPositiveInt, 'a positive integer');
    this.poolSize = args.poolSize;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w, c] = singleShape(inputShape);
    const k = this.poolSize;
    return [n, h === null ? null : Math.floor(h / k), w === null ? null : Math.floor(w / k), c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return avgPool2d(singleInput(inputs) as tf.Tensor4D, this.poolSize);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), poolSize: this.poolSize };
  }
}
tf.serialization.registerClass(AvgPool2D);
