import * as tf from '@tensorflow/tfjs-core';

/**
 * k x k average pool with stride k, 'valid' (the reference's transitions and final pool). Its
 * gradient spreads dy / k^2 over each window with one broadcast multiply (zero rows and
 * columns for a remainder the pool drops). tfjs-wasm's AvgPoolGrad is ~10x slower: ~150 ms
 * against ~12 ms for [64, 28, 28, 32], 2 x 2, and ~50 ms against ~0.5 ms for the 7 x 7 global
 * pool of [64, 7, 7, 128] (perf/RESULTS.md).
 */
export function avgPool2d(x: tf.Tensor4D, size: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const ho = Math.floor(h / size);
  const wo = Math.floor(w / size);
  const op = tf.customGrad((xIn) => ({
    value: tf.avgPool(xIn as tf.Tensor4D, size, size, 'valid'),
    gradFunc: (dy) =>
      tf.tidy(() => {
        const spread =
          ho === 1 && wo === 1
            ? tf.mul(dy, tf.fill([1, size, size, 1], 1 / (size * size)))
            : tf.reshape(
                tf.mul(tf.reshape(dy, [n, ho, 1, wo, 1, c]), tf.fill([1, 1, size, 1, size, 1], 1 / (size * size))),
                [n, ho * size, wo * size, c],
              );
        const bottom = h - ho * size;
        const right = w - wo * size;
        return bottom || right ? tf.pad(spread, [[0, 0], [0, bottom], [0, right], [0, 0]]) : spread;
      }),
  }));
  return op(x) as tf.Tensor4D;
}
