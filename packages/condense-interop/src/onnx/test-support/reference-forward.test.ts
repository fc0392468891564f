import { describe, expect, it } from 'vitest';
import { goldenTiny } from './models.js';
import { referenceForward } from './reference-forward.js';

describe('referenceForward', () => {
  it('gives the official converted model\'s logits on the golden condensenet_tiny', () => {
    const { model, x, logits } = goldenTiny();
    const y = referenceForward(model, x, 4);
    expect(y.length).toBe(40);
    const diff = Math.max(...Array.from(y, (v, i) => Math.abs(v - logits[i])));
    expect(diff).toBeLessThan(1e-4);
  });
});
