import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { concatChannels } from '../ops/concat-channels.js';
import type { LayerArgs, Shape } from './base.js';

/**
 * The dense layer's concatenation of its input and its new channels (last axis), through
 * `concatChannels`: tfjs-layers' Concatenate would run stock Concat and SplitV, the slowest
 * kernels of a wasm training step. Models saved with Concatenate still load and run as before.
 */
export class ChannelConcat extends tfl.layers.Layer {
  static className = 'ChannelConcat';

  constructor(args?: LayerArgs) {
    super(args ?? {});
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    const channels = shapes.map((s) => s.at(-1));
    const total = channels.some((c) => c === null) ? null : (channels as number[]).reduce((a, b) => a + b, 0);
    return [...shapes[0].slice(0, -1), total];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return concatChannels(inputs as tf.Tensor[]);
  }
}
tf.serialization.registerClass(ChannelConcat);
