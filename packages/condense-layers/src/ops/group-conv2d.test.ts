import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { BACKENDS, expectClose, onBackend, randomTensor } from '../test-support/backends.js';
import { groupConv2d, type GroupConvStrategy } from './group-conv2d.js';

/** PyTorch groups=G by definition: each group's slice through tfjs's own conv (cpu reference). */
function reference(x: tf.Tensor4D, f: tf.Tensor4D, groups: number, stride: number, padding: number): tf.Tensor4D {
  const pad = [[0, 0], [padding, padding], [padding, padding], [0, 0]] as [number, number][];
  if (groups === 1) return tf.conv2d(tf.pad(x, pad), f, stride, 'valid');
  const xs = tf.split(x, groups, 3);
  const fs = tf.split(f, groups, 3);
  return tf.concat(xs.map((xi, g) => tf.conv2d(tf.pad(xi as tf.Tensor4D, pad), fs[g] as tf.Tensor4D, stride, 'valid')), 3);
}

const CASES = [
  { name: '3x3 G=4', x: [2, 5, 5, 8], f: [3, 3, 2, 12], groups: 4, stride: 1, padding: 1 },
  { name: '3x3 G=4, 4 inputs a group', x: [2, 5, 5, 16], f: [3, 3, 4, 8], groups: 4, stride: 1, padding: 1, direct: true },
  { name: '3x3 G=2 stride 2', x: [1, 6, 6, 4], f: [3, 3, 2, 4], groups: 2, stride: 2, padding: 1 },
  { name: '1x1 G=4', x: [2, 3, 3, 12], f: [1, 1, 3, 8], groups: 4, stride: 1, padding: 0 },
  { name: '3x3 G=1', x: [1, 4, 4, 3], f: [3, 3, 3, 2], groups: 1, stride: 1, padding: 1 },
];

function run(c: (typeof CASES)[number], strategy: GroupConvStrategy | 'reference'): tf.Tensor[] {
  const x = randomTensor(c.x, 11) as tf.Tensor4D;
  const f = randomTensor(c.f, 12) as tf.Tensor4D;
  const fwd = (a: tf.Tensor, b: tf.Tensor) =>
    strategy === 'reference'
      ? reference(a as tf.Tensor4D, b as tf.Tensor4D, c.groups, c.stride, c.padding)
      : groupConv2d(a as tf.Tensor4D, b as tf.Tensor4D, { groups: c.groups, stride: c.stride, padding: c.padding, strategy });
  const y = fwd(x, f);
  const dy = randomTensor(y.shape, 13);
  return [y, ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fwd(a, b), dy)))([x, f])];
}

describe('groupConv2d', () => {
  for (const c of CASES) {
    const strategies: GroupConvStrategy[] =
      c.f[0] === 1 ? ['split', 'blockDiagonal', 'batchedMatMul'] : ['split', 'blockDiagonal', ...(c.direct ? ['direct' as const] : [])];
    it(`${c.name}: every strategy equals PyTorch-style groups, values and gradients, on every backend`, async () => {
      const expected = await onBackend('cpu', () => run(c, 'reference'));
      for (const backend of BACKENDS) {
        for (const s of strategies) {
          const actual = await onBackend(backend, () => run(c, s));
          ['y', 'dx', 'dw'].forEach((what, i) => expectClose(actual[i], expected[i], 1e-4, `${backend} ${s} ${what}`));
        }
        const byDefault = await onBackend(backend, () => run(c, undefined as unknown as GroupConvStrategy));
        expectClose(byDefault[0], expected[0], 1e-4, `${backend} default`);
      }
    });
  }

  it('refuses filters that do not fit the groups, batchedMatMul on a 3x3, and direct without a kernel', async () => {
    await onBackend('cpu', () => [tf.zeros([1])]);
    const x = tf.zeros([1, 4, 4, 6]) as tf.Tensor4D;
    const f = tf.zeros([3, 3, 2, 4]) as tf.Tensor4D;
    const tryIt = (fn: () => void, re: RegExp) => {
      try {
        fn();
      } catch (e) {
        if (re.test(String(e))) return;
        throw e;
      }
      throw new Error('expected an error');
    };
    tryIt(() => groupConv2d(x, f, { groups: 2 }), /does not fit 6 input channels/);
    tryIt(() => groupConv2d(x, tf.zeros([3, 3, 2, 6]) as tf.Tensor4D, { groups: 3, padding: 1, strategy: 'batchedMatMul' }), /1x1/);
    tryIt(() => groupConv2d(x, tf.zeros([3, 3, 2, 6]) as tf.Tensor4D, { groups: 3, padding: 1, strategy: 'direct' }), /no kernel/);
  });
});
