import { describe, expect, it } from 'vitest';
import { goldenCase } from './index.js';

describe('golden reader', () => {
  it('reads tensors with their manifest shape', () => {
    const c = goldenCase('shuffle');
    const perm = c.ints('harness.perm');
    expect(Array.from(perm)).toEqual(c.config.perm);
  });

  it('names a missing tensor', () => {
    expect(() => goldenCase('shuffle').tensor('nope')).toThrow(/no tensor 'nope'/);
  });
});
