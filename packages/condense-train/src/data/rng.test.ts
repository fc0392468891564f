import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng (xoshiro128**)', () => {
  it('matches the reference outputs for state [1, 2, 3, 4]', () => {
    const rng = Rng.fromState([1, 2, 3, 4]);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([11520, 0, 5927040, 70819200]);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const rng = Rng.fromSeed(seed);
      return Array.from({ length: 8 }, () => rng.nextUint32());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw(0)).not.toEqual(draw(2 ** 32));
  });

  it('continues exactly from a saved state, also through JSON', () => {
    const rng = Rng.fromSeed(42);
    for (let i = 0; i < 13; i++) rng.nextUint32();
    const saved = JSON.parse(JSON.stringify(rng.state()));
    const expected = Array.from({ length: 20 }, () => rng.nextFloat());
    const restored = Rng.fromState(saved);
    expect(Array.from({ length: 20 }, () => restored.nextFloat())).toEqual(expected);
  });

  it('rejects malformed states and seeds', () => {
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/not all zero/);
    expect(() => Rng.fromState([1, 2, 3] as never)).toThrow(/four uint32/);
    expect(() => Rng.fromState([1, 2, 3, 2 ** 32])).toThrow(/four uint32/);
    expect(() => Rng.fromSeed(0.5)).toThrow(/safe integer/);
  });

  it('draws bounded integers uniformly enough and floats in [0, 1)', () => {
    const rng = Rng.fromSeed(1);
    const counts = new Array(9).fill(0);
    for (let i = 0; i < 90_000; i++) counts[rng.nextInt(9)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    for (let i = 0; i < 1000; i++) {
      const f = rng.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
    }
    expect(() => rng.nextInt(0)).toThrow(/bound/);
  });

  it('shuffles into a permutation', () => {
    const a = Rng.fromSeed(3).shuffle(Int32Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
