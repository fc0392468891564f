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

  describe('over many parameters at once', () => {
    const shapes = [[2, 3], [4], [1, 1, 2, 2], [3]];
    const start = (seed: number) => shapes.map((shape, i) => tf.variable(tf.randomNormal(shape, 0, 1, 'float32', seed + i)));
    // Seeds from 1: tfjs draws an unseeded sequence for seed 0.
    const gradsFor = (vars: tf.Variable[], t: number) => Object.fromEntries(vars.map((v, i) => [v.name, tf.randomNormal(v.shape, 0, 1, 'float32', 100 * t + i + 1)]));
    const named = (vars: tf.Variable[]) => vars.map((variable, i) => ({ name: `p${i}`, variable }));

    /** The update of one parameter alone, the way it read before the parameters were laid end to end. */
    function oneAtATime(vars: tf.Variable[], steps: number) {
      const sgds = vars.map(() => new Sgd());
      for (let t = 0; t < steps; t++) {
        const g = gradsFor(vars, t);
        vars.forEach((v, i) => sgds[i].step([{ name: `p${i}`, variable: v }], { [v.name]: g[v.name] }, 0.1 - 0.01 * t));
        tf.dispose(Object.values(g));
      }
      for (const s of sgds) s.dispose();
    }

    function together(vars: tf.Variable[], steps: number) {
      const sgd = new Sgd();
      for (let t = 0; t < steps; t++) {
        const g = gradsFor(vars, t);
        sgd.step(named(vars), g, 0.1 - 0.01 * t);
        tf.dispose(Object.values(g));
      }
      return sgd;
    }

    it('gives every parameter the same bits as updating it alone, on the cpu path and the device (split) path', async () => {
      const alone = start(1);
      oneAtATime(alone, 4);
      const expected = alone.map((v) => Array.from(v.dataSync()));
      for (const backend of ['cpu', 'cpu-as-device']) {
        if (backend === 'cpu-as-device' && !tf.findBackend(backend)) {
          // A backend by another name runs the split path of Sgd (as webgpu does) on cpu kernels.
          tf.registerBackend(backend, () => new (tf.findBackend('cpu')!.constructor as new () => tf.KernelBackend)());
          for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: backend });
        }
        await tf.setBackend(backend);
        const vars = start(1);
        const before = tf.memory().numTensors;
        together(vars, 4).dispose();
        expect(tf.memory().numTensors).toBe(before);
        vars.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(expected[i]));
        tf.dispose(vars);
      }
      await tf.setBackend('cpu');
      tf.dispose(alone);
    });

    it('steps from gradients laid end to end with the bits of step, and returns the new parameters laid out alike', async () => {
      const byName = start(1);
      together(byName, 3).dispose();
      const vars = start(1);
      const sgd = new Sgd();
      let values: Float32Array | undefined;
      for (let t = 0; t < 3; t++) {
        const g = gradsFor(vars, t);
        const flat = tf.concat(vars.map((v) => tf.reshape(g[v.name], [-1]))) as tf.Tensor1D;
        values = sgd.stepFlat(named(vars), flat, 0.1 - 0.01 * t);
        tf.dispose([flat, ...Object.values(g)]);
      }
      vars.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(byName[i].dataSync())));
      expect(Array.from(values ?? [])).toEqual(vars.flatMap((v) => Array.from(v.dataSync())));
      expect(() => sgd.stepFlat(named(vars), tf.zeros([3]) as tf.Tensor1D, 0.1)).toThrow(/3 gradient values for 17 parameter values/);
      sgd.dispose();
      tf.dispose([...byName, ...vars]);
    });

    it('keeps each momentum by name when the parameter list changes, and saves it before any step after loading', async () => {
      const vars = start(5);
      const sgd = together(vars, 2);
      const saved = await sgd.state();
      expect(saved.map((slot) => slot.name)).toEqual(['p0', 'p1', 'p2', 'p3']);
      expect(saved.map((slot) => slot.shape)).toEqual(shapes);
      const reloaded = new Sgd();
      reloaded.loadState(saved);
      expect(await reloaded.state()).toEqual(saved);
      // Two of the four, in another order: their momentum moves on, the others' is kept as it was.
      const g = gradsFor(vars, 9);
      reloaded.step([{ name: 'p2', variable: vars[2] }, { name: 'p0', variable: vars[0] }], g, 0.05);
      const after = new Map((await reloaded.state()).map((slot) => [slot.name, slot.values]));
      expect([...after.keys()].sort()).toEqual(['p0', 'p1', 'p2', 'p3']);
      const before = new Map(saved.map((slot) => [slot.name, slot.values]));
      for (const name of ['p1', 'p3']) expect(after.get(name)).toEqual(before.get(name));
      for (const name of ['p0', 'p2']) expect(after.get(name)).not.toEqual(before.get(name));
      tf.dispose([...Object.values(g), ...vars]);
      sgd.dispose();
      reloaded.dispose();
    });

    it('names a saved momentum whose shape is not its parameter\'s', () => {
      const v = tf.variable(tf.zeros([2, 2]), true, 'square');
      const sgd = new Sgd();
      sgd.loadState([{ name: 'q', shape: [4], values: new Float32Array(4) }]);
      expect(() => sgd.step([{ name: 'q', variable: v }], { square: tf.zeros([2, 2]) }, 0.1)).toThrow(/optimizer state 'q' has shape \[4\], the parameter \[2,2\]/);
      sgd.dispose();
      v.dispose();
    });
  });
});
