import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { BACKENDS, expectClose, onBackend, randomTensor } from '../test-support/backends.js';
import { conv2d } from './conv2d.js';

const CASES = [
  { name: '3x3 s1 p1', x: [2, 6, 5, 3], f: [3, 3, 3, 4], stride: 1, padding: 1 },
  { name: '3x3 s2 p1 even', x: [2, 8, 8, 3], f: [3, 3, 3, 5], stride: 2, padding: 1 },
  { name: '3x3 s2 p1 odd', x: [1, 7, 9, 2], f: [3, 3, 2, 3], stride: 2, padding: 1 },
  { name: '1x1', x: [2, 4, 4, 6], f: [1, 1, 6, 3], stride: 1, padding: 0 },
  { name: '3x3 s1 p0', x: [1, 6, 6, 2], f: [3, 3, 2, 2], stride: 1, padding: 0 },
];

function customGrads(c: (typeof CASES)[number]): tf.Tensor[] {
  const x = randomTensor(c.x, 1) as tf.Tensor4D;
  const f = randomTensor(c.f, 2) as tf.Tensor4D;
  const dy = (y: tf.Tensor) => randomTensor(y.shape, 3);
  const y = conv2d(x, f, { stride: c.stride, padding: c.padding });
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { stride: c.stride, padding: c.padding }), dy(y))),
  )([x, f]);
  return [y, ...g];
}

/** tfjs's own conv and its built-in gradient (cpu only: wasm lacks Conv2DBackpropFilter). */
function builtinGrads(c: (typeof CASES)[number]): tf.Tensor[] {
  const x = randomTensor(c.x, 1) as tf.Tensor4D;
  const f = randomTensor(c.f, 2) as tf.Tensor4D;
  const pad = [[0, 0], [c.padding, c.padding], [c.padding, c.padding], [0, 0]] as [number, number][];
  const fwd = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(tf.pad(a as tf.Tensor4D, pad), b as tf.Tensor4D, c.stride, 'valid');
  const y = fwd(x, f);
  const dy = randomTensor(y.shape, 3);
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fwd(a, b), dy)))([x, f]);
  return [y, ...g];
}

describe('conv2d with custom gradient', () => {
  for (const c of CASES) {
    it(`${c.name}: matches tfjs's built-in conv gradient on cpu, and on every backend`, async () => {
      const expected = await onBackend('cpu', () => builtinGrads(c));
      for (const backend of BACKENDS) {
        const actual = await onBackend(backend, () => customGrads(c));
        ['y', 'dx', 'dw'].forEach((what, i) => expectClose(actual[i], expected[i], 1e-4, `${backend} ${what}`));
      }
    });
  }
});
