import * as tf from '@tensorflow/tfjs-core';
import { isConstantInput } from './input-gradients.js';

export interface Conv2dOptions {
  /** Same stride on both spatial axes. */
  stride?: number;
  /** Zero padding on every side (PyTorch's `padding=p`), not TF's 'same'/'valid'. */
  padding?: number;
}

/**
 * Dense NHWC convolution, HWIO filter, PyTorch-style symmetric padding, with a gradient built only
 * from forward convolutions, pads, slices and transposes. The wasm backend has no
 * Conv2DBackpropFilter, and its Conv2DBackpropInput is an order of magnitude slower than its
 * forward conv, so the built-in gradient cannot train there (tfjs-platform.md).
 */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, options: Conv2dOptions = {}): tf.Tensor4D {
  const stride = options.stride ?? 1;
  const padding = options.padding ?? 0;
  const op = tf.customGrad((xIn, fIn, save) => {
    const input = xIn as tf.Tensor4D;
    const w = fIn as tf.Tensor4D;
    // Zero padding done inside the conv kernel: no padded copy of the input to write, transpose
    // or keep for the backward pass.
    const value = tf.conv2d(input, w, stride, explicitPad(padding));
    (save as tf.GradSaveFunc)([input, w]);
    return {
      value,
      // Temporaries of a custom gradient are not tidied by tfjs: without this scope they
      // live until the whole backward pass ends.
      gradFunc: (dy, saved) =>
        tf.tidy(() => {
          const [xs, kernel] = saved as [tf.Tensor4D, tf.Tensor4D];
          const g = dy as tf.Tensor4D;
          return [
            isConstantInput(input) ? tf.zeros(input.shape) : inputGradient(g, kernel, input.shape, stride, padding),
            filterGradient(g, xs, kernel.shape, stride, padding),
          ];
        }),
    };
  });
  return op(x, filter) as tf.Tensor4D;
}

/**
 * p zeros on every spatial side, as tfjs's explicit padding. (A plain number would do the same
 * for square shapes only: tfjs sizes the output from the filter's height alone.)
 */
function explicitPad(p: number): [[number, number], [number, number], [number, number], [number, number]] {
  return [[0, 0], [p, p], [p, p], [0, 0]];
}

/**
 * dx[i] = sum_t dy[(i + p - t) / s] w[t]: spread dy out by the stride (zeros between rows and
 * columns), then correlate it with the spatially flipped, in/out-transposed filter.
 */
function inputGradient(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  xShape: [number, number, number, number],
  stride: number,
  padding: number,
): tf.Tensor4D {
  const [n, h, wd] = xShape;
  const [kh, kw, , cout] = w.shape;
  const [, ho, wo] = dy.shape;
  let spread: tf.Tensor4D = dy;
  if (stride > 1) {
    const six = tf.reshape(dy, [n, ho, 1, wo, 1, cout]);
    const padded = tf.pad(six, [[0, 0], [0, 0], [0, stride - 1], [0, 0], [0, stride - 1], [0, 0]]);
    spread = tf.reshape(padded, [n, ho * stride, wo * stride, cout]);
  }
  const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]);
  const top = kh - 1 - padding;
  const left = kw - 1 - padding;
  const bottom = h + padding - spread.shape[1];
  const right = wd + padding - spread.shape[2];
  if (top >= 0 && top === bottom && top === left && top === right) {
    return tf.conv2d(spread, flipped as tf.Tensor4D, 1, explicitPad(top));
  }
  const framed = padOrCrop(spread, top, bottom, left, right);
  return tf.conv2d(framed, flipped as tf.Tensor4D, 1, 'valid');
}

/** Pads (positive amounts) or crops (negative amounts) the spatial axes. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const cropTop = Math.max(0, -top);
  const cropLeft = Math.max(0, -left);
  const cropBottom = Math.max(0, -bottom);
  const cropRight = Math.max(0, -right);
  let out = x;
  if (cropTop || cropLeft || cropBottom || cropRight) {
    out = tf.slice(x, [0, cropTop, cropLeft, 0], [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c]);
  }
  const pt = Math.max(0, top);
  const pb = Math.max(0, bottom);
  const pl = Math.max(0, left);
  const pr = Math.max(0, right);
  if (pt || pb || pl || pr) out = tf.pad(out, [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
  return out;
}

/**
 * dW[i, j, ci, co] = sum over n, h, w of xp[n, h*s + i, w*s + j, ci] * dy[n, h, w, co] (xp: x
 * zero-padded by p): a forward convolution with batch and channels swapped (images = input
 * channels, padded by the conv itself; filter = dy dilated by the stride). On wasm this is ~10x
 * faster than one matMul per tap, because tfjs-wasm's matMul with a transposed left operand runs
 * at ~1 GFLOP/s while XNNPACK's conv runs at ~10.
 */
function filterGradient(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  filterShape: [number, number, number, number],
  stride: number,
  padding: number,
): tf.Tensor4D {
  const [kh, kw] = filterShape;
  const images = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D;
  const kernel = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
  const full = tf.conv2d(images, kernel, 1, explicitPad(padding), 'NHWC', stride);
  const [cin, fh, fw, cout] = full.shape;
  const dw = fh === kh && fw === kw ? full : tf.slice(full, [0, 0, 0, 0], [cin, kh, kw, cout]);
  return tf.transpose(dw, [1, 2, 0, 3]);
}
