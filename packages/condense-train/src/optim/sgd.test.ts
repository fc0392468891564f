import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Sgd } from './sgd.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** PyTorch's torch.optim.SGD step in plain numbers. */
function referenceSteps(p0: number[], grads: number[][], lrs: number[], momentum: number, wd: number, nesterov: boolean) {
  const p = p0.slice();
  let buf: number[] | null = null;
  grads.forEach((g, t) => {
    const d = g.map((gi, i) => gi + wd * p[i]);
    buf = buf === null ? d.slice() : buf.map((b, i) => momentum * b + d[i]);
    const step = nesterov ? d.map((di, i) => di + momentum * buf![i]) : buf;
    for (let i = 0; i < p.length; i++) p[i] -= lrs[t] * step[i];
  });
  return p;
}

describe('Sgd', () => {
  const grads = [
    [0.5, -1, 2],
    [0.1, 0.3, -0.7],
    [-0.2, 0.9, 0.4],
    [1.5, -0.4, 0.05],
  ];
  const lrs = [0.1, 0.09, 0.05, 0.01];

  it.each([
    [0.9, 1e-4, true],
    [0.9, 0, false],
    [0, 1e-2, false],
  ])('matches torch.optim.SGD (momentum %s, weight decay %s, nesterov %s)', (momentum, wd, nesterov) => {
    const v = tf.variable(tf.tensor1d([1, -2, 0.5]), true, 'w');
    const sgd = new Sgd({ momentum, weightDecay: wd, nesterov });
    grads.forEach((g, t) => tf.tidy(() => sgd.step([{ name: 'w', variable: v }], { w: tf.tensor1d(g) }, lrs[t])));
    const expected = referenceSteps([1, -2, 0.5], grads, lrs, momentum, wd, nesterov);
    const got = Array.from(v.dataSync());
    got.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 6));
    sgd.dispose();
    v.dispose();
  });

  it('resumes exactly from saved state and leaks no tensors', async () => {
    const straight = tf.variable(tf.tensor1d([1, -2, 0.5]), true, 'a');
    const sgd = new Sgd();
    const before = tf.memory().numTensors;
    grads.forEach((g, t) => tf.tidy(() => sgd.step([{ name: 'p', variable: straight }], { a: tf.tensor1d(g) }, lrs[t])));
    expect(tf.memory().numTensors).toBe(before + 1);

    const resumed = tf.variable(tf.tensor1d([1, -2, 0.5]), true, 'b');
    const first = new Sgd();
    grads.slice(0, 2).forEach((g, t) => tf.tidy(() => first.step([{ name: 'p', variable: resumed }], { b: tf.tensor1d(g) }, lrs[t])));
    const second = new Sgd();
    second.loadState(await first.state());
    first.dispose();
    grads.slice(2).forEach((g, t) => tf.tidy(() => second.step([{ name: 'p', variable: resumed }], { b: tf.tensor1d(g) }, lrs[t + 2])));
    expect(Array.from(resumed.dataSync())).toEqual(Array.from(straight.dataSync()));
    for (const x of [straight, resumed]) x.dispose();
    sgd.dispose();
    second.dispose();
  });

  it('names a variable without a gradient and a state of the wrong size', () => {
    const v = tf.variable(tf.zeros([2]), true, 'lonely');
    expect(() => new Sgd().step([{ name: 'lonely', variable: v }], {}, 0.1)).toThrow(/no gradient for parameter 'lonely'/);
    expect(() => new Sgd().loadState([{ name: 'x', shape: [3], values: new Float32Array(2) }])).toThrow(
      /optimizer state 'x': 2 values for shape \[3\]/,
    );
    v.dispose();
  });
});
