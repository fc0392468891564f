import * as tf from '@tensorflow/tfjs-core';
import { conv2d, type Conv2dOptions } from './conv2d.js';
import { directGroupConv2d, directGroupConvApplies } from './direct-group-conv2d.js';
import { defaultGroupConvStrategy } from './strategy-defaults.js';

/**
 * Ways to run a grouped convolution with stock tfjs ops (tfjs has no `groups` argument):
 * - `split`: split the input by group, one conv per group, concatenate;
 * - `blockDiagonal`: expand the filter into a dense one with zero off-diagonal blocks, one conv;
 * - `batchedMatMul`: 1x1 stride-1 only; one batched matMul over the groups;
 * - `direct`: this package's grouped-conv kernels (wasm and cpu; shapes: `directGroupConvApplies`).
 * Which is fastest depends on the backend and the shape (see strategy-defaults.ts).
 */
export type GroupConvStrategy = 'split' | 'blockDiagonal' | 'batchedMatMul' | 'direct';

export const GROUP_CONV_STRATEGIES: readonly GroupConvStrategy[] = ['split', 'blockDiagonal', 'batchedMatMul', 'direct'];

export interface GroupConv2dOptions extends Conv2dOptions {
  groups: number;
  /** Defaults to the measured choice for the active backend. */
  strategy?: GroupConvStrategy;
}

/**
 * PyTorch `Conv2d(groups=G)` semantics on NHWC: filter [kh, kw, I/G, O], input channels
 * g*(I/G).. feed output channels g*(O/G)... Every strategy differentiates through the custom-
 * gradient `conv2d` or matMul, so it trains on every backend.
 */
export function groupConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, options: GroupConv2dOptions): tf.Tensor4D {
  const { groups } = options;
  const stride = options.stride ?? 1;
  const padding = options.padding ?? 0;
  const [kh, kw, perGroupIn, out] = filter.shape;
  const inChannels = x.shape[3];
  if (perGroupIn * groups !== inChannels || out % groups !== 0) {
    throw new Error(
      `groupConv2d: filter [${filter.shape}] with ${groups} groups does not fit ${inChannels} input channels`,
    );
  }
  if (groups === 1) return conv2d(x, filter, { stride, padding });
  const pointwise = kh === 1 && kw === 1 && stride === 1 && padding === 0;
  const direct = directGroupConvApplies(filter, groups);
  const strategy = options.strategy ?? defaultGroupConvStrategy(tf.getBackend(), pointwise, direct);
  const perGroupOut = out / groups;
  switch (strategy) {
    case 'direct': {
      if (!direct) {
        throw new Error(`groupConv2d: the direct strategy has no kernel for filter [${filter.shape}], ${groups} groups on ${tf.getBackend()}`);
      }
      return directGroupConv2d(x, filter, { groups, stride, padding });
    }
    case 'split': {
      const xs = tf.split(x, groups, 3);
      const fs = tf.split(filter, groups, 3);
      return tf.concat(
        xs.map((xi, g) => conv2d(xi as tf.Tensor4D, fs[g] as tf.Tensor4D, { stride, padding })),
        3,
      );
    }
    case 'blockDiagonal': {
      const blocks = tf.split(filter, groups, 3).map((fg, g) =>
        tf.pad(fg, [
          [0, 0],
          [0, 0],
          [g * perGroupIn, inChannels - (g + 1) * perGroupIn],
          [0, 0],
        ]),
      );
      return conv2d(x, tf.concat(blocks, 3) as tf.Tensor4D, { stride, padding });
    }
    case 'batchedMatMul': {
      if (!pointwise) throw new Error('groupConv2d: the batchedMatMul strategy needs a 1x1, stride-1, unpadded conv');
      const [n, h, w] = x.shape;
      const rows = n * h * w;
      const xg = tf.transpose(tf.reshape(x, [rows, groups, perGroupIn]), [1, 0, 2]);
      const fg = tf.transpose(tf.reshape(filter, [perGroupIn, groups, perGroupOut]), [1, 0, 2]);
      const y = tf.matMul(xg as tf.Tensor3D, fg as tf.Tensor3D);
      return tf.reshape(tf.transpose(y, [1, 0, 2]), [n, h, w, out]);
    }
  }
}
