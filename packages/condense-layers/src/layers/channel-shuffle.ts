import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { channelShuffle } from '../ops/channel-shuffle.js';
import { isPositiveInt, requireField, singleInput, singleShape, type LayerArgs, type Shape } from './base.js';

export interface ChannelShuffleArgs extends NonNullable<LayerArgs> {
  groups: number;
}

/** The reference's ShuffleLayer as a layer (no weights). */
export class ChannelShuffle extends tfl.layers.Layer {
  static className = 'ChannelShuffle';
  readonly groups: number;

  constructor(args: ChannelShuffleArgs) {
    super(args);
    requireField(ChannelShuffle.className, args as unknown as Record<string, unknown>, 'groups', isPositiveInt, 'a positive integer');
    this.groups = args.groups;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return channelShuffle(singleInput(inputs) as tf.Tensor4D, this.groups);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), groups: this.groups };
  }
}
tf.serialization.registerClass(ChannelShuffle);
