import { goldenCase } from '@condensenet/golden-fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { takeChannels } from '../test-support/reference.js';
import { invertPermutation, shufflePermutation } from './shuffle.js';

describe('shufflePermutation', () => {
  it('matches the reference ShuffleLayer (golden shuffle)', () => {
    const c = goldenCase('shuffle');
    const perm = shufflePermutation(12, c.config.groups);
    expect(perm).toEqual(c.ints('harness.perm'));
    expect(Array.from(perm)).toEqual(c.config.perm);
    expect(takeChannels(c.floats('x'), [2, 12, 3, 3], perm)).toEqual(c.floats('y'));
  });

  it('turns contiguous group outputs back into the interleaved order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), (G, perGroup) => {
        const C = G * perGroup;
        // Slot g*(C/G) + k of the grouped conv holds interleaved channel g + k*G.
        const grouped = Array.from({ length: C }, (_, s) => (s % perGroup) * G + Math.floor(s / perGroup));
        const perm = shufflePermutation(C, G);
        expect(Array.from(perm, (p) => grouped[p])).toEqual([...Array(C).keys()]);
        const inverse = invertPermutation(perm);
        expect(Array.from(perm, (p) => inverse[p])).toEqual([...Array(C).keys()]);
        expect(invertPermutation(inverse)).toEqual(perm);
      }),
    );
  });

  it('names bad arguments', () => {
    expect(() => shufflePermutation(10, 4)).toThrow(/shufflePermutation: channels = 10 must be divisible by groups = 4/);
    expect(() => shufflePermutation(0, 1)).toThrow(/shufflePermutation: channels = 0 must be a positive integer/);
    expect(() => shufflePermutation(8, 1.5)).toThrow(/shufflePermutation: groups = 1.5 must be a positive integer/);
    expect(() => invertPermutation(Int32Array.from([0, 2, 2]))).toThrow(/invertPermutation: perm\[2\] = 2 repeats perm\[1\]/);
    expect(() => invertPermutation(Int32Array.from([0, 3, 1]))).toThrow(/invertPermutation: perm\[1\] = 3 is out of range/);
  });
});
