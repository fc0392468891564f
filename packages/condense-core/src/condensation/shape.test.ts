import { describe, expect, it } from 'vitest';
import { validateLearnedGroupShape } from './shape.js';

const ok = { outChannels: 16, inChannels: 24, groups: 4, condenseFactor: 4 };

describe('validateLearnedGroupShape', () => {
  it('accepts the reference layer sizes', () => {
    expect(() => validateLearnedGroupShape(ok)).not.toThrow();
    expect(() => validateLearnedGroupShape({ outChannels: 16, inChannels: 24, groups: 2, condenseFactor: 4 })).not.toThrow();
  });

  it.each([
    [{ ...ok, outChannels: 0 }, /layer 3: outChannels = 0 must be a positive integer/],
    [{ ...ok, inChannels: 2.5 }, /layer 3: inChannels = 2.5 must be a positive integer/],
    [{ ...ok, groups: -1 }, /layer 3: groups = -1 must be a positive integer/],
    [{ ...ok, condenseFactor: Number.NaN }, /layer 3: condenseFactor = NaN must be a positive integer/],
    [{ ...ok, inChannels: 26, condenseFactor: 2 }, /layer 3: inChannels = 26 must be divisible by groups = 4 \(R % G == 0\)/],
    [{ ...ok, condenseFactor: 5 }, /layer 3: inChannels = 24 must be divisible by condenseFactor = 5 \(R % C == 0\)/],
    [{ ...ok, outChannels: 18 }, /layer 3: outChannels = 18 must be divisible by groups = 4 \(O % G == 0\)/],
  ])('rejects %o naming the field', (shape, message) => {
    expect(() => validateLearnedGroupShape(shape, 'layer 3')).toThrow(message);
  });

  it('rejects a missing shape', () => {
    expect(() => validateLearnedGroupShape(undefined as never)).toThrow(/learned group conv: shape = undefined/);
  });
});
