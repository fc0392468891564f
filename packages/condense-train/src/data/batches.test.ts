import { describe, expect, it } from 'vitest';
import { CIFAR_AUGMENTATION } from './augment.js';
import { BatchIterator, type Batch, type BatchOptions } from './batches.js';
import { memorySplit } from './split.js';

const N = 23;
const H = 4;
const W = 4;
const C = 3;
const images = Uint8Array.from({ length: N * H * W * C }, (_, i) => (i * 7) % 256);
const split = memorySplit(images, Int32Array.from({ length: N }, (_, i) => i % 10), H, W, C);
const options: BatchOptions = { batchSize: 5, seed: 11, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], augmentation: CIFAR_AUGMENTATION };

function drain(it: BatchIterator, batches: number): Batch[] {
  const out: Batch[] = [];
  while (out.length < batches) {
    const b = it.next();
    if (b) out.push(b);
  }
  return out;
}

describe('BatchIterator', () => {
  it('covers the split once per epoch in batches, with a smaller last batch', () => {
    const it = new BatchIterator(split, options);
    const epoch = [...it.batches()];
    expect(epoch.map((b) => b.size)).toEqual([5, 5, 5, 5, 3]);
    expect(it.batchesPerEpoch).toBe(5);
    const seen = epoch.flatMap((b) => Array.from(b.indices));
    expect(seen.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(it.epoch).toBe(1);
    for (const b of epoch) {
      expect(b.images.length).toBe(b.size * H * W * C);
      expect(b.shape).toEqual([b.size, H, W, C]);
      expect(Array.from(b.labels)).toEqual(Array.from(b.indices, (i) => i % 10));
    }
  });

  it('reshuffles every epoch, deterministically from the seed', () => {
    const order = (it: BatchIterator) => [...it.batches()].flatMap((b) => Array.from(b.indices));
    const a = new BatchIterator(split, options);
    const b = new BatchIterator(split, options);
    const a0 = order(a);
    expect(order(b)).toEqual(a0);
    expect(order(a)).not.toEqual(a0);
    expect(order(new BatchIterator(split, { ...options, seed: 12 }))).not.toEqual(a0);
  });

  it('drops the partial batch when asked', () => {
    const it = new BatchIterator(split, { ...options, dropLast: true });
    expect([...it.batches()].map((b) => b.size)).toEqual([5, 5, 5, 5]);
    expect(it.batchesPerEpoch).toBe(4);
  });

  it('visits in order and only normalises without shuffle or augmentation', () => {
    const it = new BatchIterator(split, { batchSize: 10, seed: 0, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], shuffle: false });
    const first = it.next()!;
    expect(Array.from(first.indices)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    first.images.forEach((v, i) => expect(v).toBeCloseTo((images[i] / 255 - 0.5) / 0.25, 5));
  });

  it('restored mid-epoch yields exactly what the original would have, across epochs', () => {
    const original = new BatchIterator(split, options);
    drain(original, 7);
    const saved = JSON.parse(JSON.stringify(original.state()));
    const expected = drain(original, 9);
    const restored = new BatchIterator(split, options, saved);
    expect(restored.epoch).toBe(saved.epoch);
    const actual = drain(restored, 9);
    expect(actual.map((b) => Array.from(b.indices))).toEqual(expected.map((b) => Array.from(b.indices)));
    actual.forEach((b, i) => expect(b.images).toEqual(expected[i].images));
  });

  it('refuses a state from another seed or split and wrong channel counts', () => {
    const state = new BatchIterator(split, options).state();
    expect(() => new BatchIterator(split, { ...options, seed: 1 }, state)).toThrow(/seed 11 over 23/);
    expect(() => new BatchIterator(split, { ...options, mean: [0.5] , std: [1] })).toThrow(/1 channels/);
    expect(() => new BatchIterator(split, { ...options, batchSize: 0 })).toThrow(/batch size/);
  });
});
