import * as tf from '@tensorflow/tfjs-core';

export interface Conv2dOptions {
  /** Same stride on both spatial axes. */
  stride?: number;
  /** Zero padding on every side (PyTorch's `padding=p`), not TF's 'same'/'valid'. */
  padding?: number;
}

/**
 * Dense NHWC convolution, HWIO filter, PyTorch-style symmetric padding, with a gradient built only
 * from forward convolutions, pads, strided slices and matMuls. The wasm backend has no
 * Conv2DBackpropFilter, and its Conv2DBackpropInput is an order of magnitude slower than its
 * forward conv, so the built-in gradient cannot train there (tfjs-platform.md).
 */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, options: Conv2dOptions = {}): tf.Tensor4D {
  const stride = options.stride ?? 1;
  const padding = options.padding ?? 0;
  const op = tf.customGrad((xIn, fIn, save) => {
    const input = xIn as tf.Tensor4D;
    const w = fIn as tf.Tensor4D;
    const padded = padding > 0 ? tf.pad(input, [[0, 0], [padding, padding], [padding, padding], [0, 0]]) : input;
    const value = tf.conv2d(padded, w, stride, 'valid');
    (save as tf.GradSaveFunc)([padded, w]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const [xp, kernel] = saved as [tf.Tensor4D, tf.Tensor4D];
        const g = dy as tf.Tensor4D;
        return [
          inputGradient(g, kernel, input.shape, stride, padding),
          filterGradient(g, xp, kernel.shape, stride),
        ];
      },
    };
  });
  return op(x, filter) as tf.Tensor4D;
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

/** dW[ti, tj] = x(tap ti, tj)^T dy: one matMul per kernel tap over all batch positions. */
function filterGradient(
  dy: tf.Tensor4D,
  xp: tf.Tensor4D,
  filterShape: [number, number, number, number],
  stride: number,
): tf.Tensor4D {
  const [kh, kw, cin, cout] = filterShape;
  const [n, ho, wo] = dy.shape;
  const rows = n * ho * wo;
  const dy2 = tf.reshape(dy, [rows, cout]);
  const taps: tf.Tensor2D[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const tap =
        kh === 1 && kw === 1 && stride === 1
          ? xp
          : tf.stridedSlice(
              xp,
              [0, i, j, 0],
              [n, i + (ho - 1) * stride + 1, j + (wo - 1) * stride + 1, cin],
              [1, stride, stride, 1],
            );
      taps.push(tf.matMul(tf.reshape(tap, [rows, cin]), dy2, true, false));
    }
  }
  return tf.reshape(tf.stack(taps), [kh, kw, cin, cout]);
}
