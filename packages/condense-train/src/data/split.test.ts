import { describe, expect, it } from 'vitest';
import { memorySplit, padSplit, stratifiedSplit, subsetSplit } from './split.js';

describe('stratifiedSplit', () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 700 ? 0 : i < 950 ? 1 : 2));

  it('partitions the ids with an exact test size and class balance', () => {
    const { train, test } = stratifiedSplit(labels, 3, 100, 5);
    expect(test.length).toBe(100);
    expect(train.length).toBe(900);
    expect(new Set([...train, ...test]).size).toBe(1000);
    const perClass = [0, 0, 0];
    for (const i of test) perClass[labels[i]]++;
    expect(perClass).toEqual([70, 25, 5]);
    expect(Array.from(test)).toEqual(Array.from(test).sort((a, b) => a - b));
  });

  it('is a function of the seed', () => {
    expect(stratifiedSplit(labels, 3, 100, 5)).toEqual(stratifiedSplit(labels, 3, 100, 5));
    expect(stratifiedSplit(labels, 3, 100, 5).test).not.toEqual(stratifiedSplit(labels, 3, 100, 6).test);
  });

  it('hands out largest remainders so the total is exact', () => {
    const uneven = Int32Array.from({ length: 10 }, (_, i) => i % 3);
    const { test } = stratifiedSplit(uneven, 3, 5, 1);
    expect(test.length).toBe(5);
  });

  it('rejects impossible sizes', () => {
    expect(() => stratifiedSplit(labels, 3, 1001, 1)).toThrow(/test size 1001/);
    expect(() => stratifiedSplit(labels, 2, 10, 1)).toThrow(/label 2 of example 950 is outside 0\.\.1/);
  });
});

describe('split views', () => {
  const images = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i + 1);
  const split = memorySplit(images, Int32Array.from([4, 5, 6]), 2, 2, 1);

  it('memorySplit hands out each image', () => {
    expect(Array.from(split.image(1))).toEqual([5, 6, 7, 8]);
    expect(() => split.image(3)).toThrow(/outside the split of 3/);
    expect(() => memorySplit(images, Int32Array.from([1]), 2, 2, 1)).toThrow(/do not hold/);
  });

  it('subsetSplit reorders examples and labels', () => {
    const sub = subsetSplit(split, Int32Array.from([2, 0]));
    expect(Array.from(sub.labels)).toEqual([6, 4]);
    expect(Array.from(sub.image(0))).toEqual([9, 10, 11, 12]);
  });

  it('padSplit centres the image in zeros', () => {
    const padded = padSplit(split, 4, 4);
    expect(padded.height).toBe(4);
    expect(Array.from(padded.image(0))).toEqual([0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0]);
    expect(() => padSplit(split, 1, 4)).toThrow(/smaller/);
  });
});
