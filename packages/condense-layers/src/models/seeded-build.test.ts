import { describe, expect, it } from 'vitest';
import { BACKENDS, useBackend } from '../test-support/backends.js';
import { buildCondenseNet } from './condensenet.js';

const SMALL = { stages: [1, 1], growth: [4, 8], inputSize: 8, poolSize: 4 };

function weights(seed: number | undefined, form: 'training' | 'condensed' = 'training'): Float32Array[] {
  const model = buildCondenseNet(SMALL, { seed, form });
  const values = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  return values;
}

describe('seeded weight initialisation', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: one seed, one start; another seed or none, another start`, async () => {
      await useBackend(backend);
      for (const form of ['training', 'condensed'] as const) {
        const a = weights(7, form);
        expect(weights(7, form)).toEqual(a);
        const differs = (b: Float32Array[]) => b.some((w, i) => w.some((v, j) => v !== a[i][j]));
        expect(differs(weights(8, form))).toBe(true);
        expect(differs(weights(undefined, form))).toBe(true);
      }
    });
  }

  it('keeps the reference scales: conv weights N(0, sqrt(2 / (k*k*out))), classifier U(+-1/sqrt(in))', async () => {
    await useBackend('cpu');
    const model = buildCondenseNet({ ...SMALL, growth: [16, 32] }, { seed: 1 });
    const stem = Array.from(model.getLayer('init_conv').getWeights()[0].dataSync());
    const std = Math.sqrt(stem.reduce((s, v) => s + v * v, 0) / stem.length);
    expect(std).toBeGreaterThan(0.7 * Math.sqrt(2 / (9 * 32)));
    expect(std).toBeLessThan(1.3 * Math.sqrt(2 / (9 * 32)));
    const classifier = model.getLayer('classifier').getWeights()[0];
    const bound = 1 / Math.sqrt(classifier.shape[0]);
    expect(Math.max(...classifier.dataSync().map(Math.abs))).toBeLessThanOrEqual(bound);
    model.dispose();
  });

  it('refuses a seed that is not a non-negative integer', () => {
    expect(() => buildCondenseNet(SMALL, { seed: 1.5 })).toThrow(/seed 1.5: expected a non-negative integer/);
  });
});
