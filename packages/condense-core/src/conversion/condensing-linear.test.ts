import { goldenCase } from '@condensenet/golden-fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../test-support/rng.js';
import { condenseLinear, condensingLinearIndex } from './condensing-linear.js';

describe('condensing linear', () => {
  it('matches the reference CondensingLinear exactly (golden linear_condense)', () => {
    const c = goldenCase('linear_condense');
    const weight = c.floats('src.weight');
    const result = condenseLinear(weight, c.floats('src.bias'), 10, 40);
    expect(result.index).toEqual(c.ints('converted.index'));
    expect(Array.from(result.index)).toEqual(c.config.index);
    expect(result.weight).toEqual(c.floats('converted.linear.weight'));
    expect(result.bias).toEqual(c.floats('converted.linear.bias'));
    expect(result.inFeatures).toBe(20);
  });

  it('matches the converted classifier of condensenet_tiny', () => {
    const c = goldenCase('condensenet_tiny');
    const result = condenseLinear(c.floats('train_form.classifier.weight'), c.floats('train_form.classifier.bias'), 10, 64);
    expect(result.index).toEqual(c.ints('converted.classifier.index'));
    expect(result.weight).toEqual(c.floats('converted.classifier.linear.weight'));
    expect(result.bias).toEqual(c.floats('converted.classifier.linear.bias'));
  });

  it('keeps floor(in * f) distinct ids, least important first, none less important than a dropped one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (out, inFeatures, f, seed) => {
          fc.pre(Math.floor(inFeatures * f) >= 1);
          const weight = new SeededRandom(seed).normals(out * inFeatures);
          const index = condensingLinearIndex(weight, out, inFeatures, f);
          expect(index.length).toBe(Math.floor(inFeatures * f));
          expect(new Set(index).size).toBe(index.length);
          const l1 = (j: number) => {
            let s = 0;
            for (let o = 0; o < out; o++) s += Math.abs(weight[o * inFeatures + j]);
            return s;
          };
          const keptL1 = Array.from(index, l1);
          for (let t = 1; t < keptL1.length; t++) expect(keptL1[t]).toBeGreaterThanOrEqual(keptL1[t - 1] - 1e-5);
          const kept = new Set(index);
          for (let j = 0; j < inFeatures; j++) if (!kept.has(j)) expect(l1(j)).toBeLessThanOrEqual(keptL1[0] + 1e-5);
        },
      ),
    );
  });

  it('names bad arguments', () => {
    const w = new Float32Array(20);
    expect(() => condensingLinearIndex(w, 4, 6)).toThrow(/condensingLinearIndex: weight has length 20, expected 24/);
    expect(() => condensingLinearIndex(w, 4, 5, 0)).toThrow(/condensingLinearIndex: keepFraction = 0 must be in \(0, 1\]/);
    expect(() => condensingLinearIndex(w, 4, 5, 0.1)).toThrow(/keepFraction = 0.1 of inFeatures = 5 keeps no feature/);
    expect(() => condensingLinearIndex(w, 0, 5)).toThrow(/condensingLinearIndex: outFeatures = 0 must be a positive integer/);
    expect(() => condenseLinear(w, new Float32Array(3), 4, 5)).toThrow(/condenseLinear: bias has length 3, expected 4/);
  });
});
