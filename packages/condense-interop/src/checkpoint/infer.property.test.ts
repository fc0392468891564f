import { ConfigError, DATA_KINDS, inputGeometry, resolveConfig, type CondenseNetConfig, type ModelForm } from '@condensenet/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fakeStateDict } from '../test-support/fake-state-dict.js';
import { inferArchitecture } from './infer.js';

/** A valid configuration, or null where the drawn numbers break the spec's divisibility rules. */
function validConfig(input: Parameters<typeof resolveConfig>[0]): CondenseNetConfig | null {
  try {
    return resolveConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return null;
    throw error;
  }
}

const configs = fc
  .record({
    layout: fc.array(fc.record({ layers: fc.integer({ min: 1, max: 3 }), growth: fc.constantFrom(2, 4, 6, 8, 12, 16) }), {
      minLength: 1,
      maxLength: 4,
    }),
    bottleneck: fc.integer({ min: 1, max: 4 }),
    group1x1: fc.constantFrom(1, 2, 3, 4, 8),
    group3x3: fc.constantFrom(1, 2, 4),
    condenseFactor: fc.constantFrom(1, 2, 3, 4, 8),
    data: fc.constantFrom(...DATA_KINDS),
    inputChannels: fc.constantFrom(1, 3),
  })
  .map(({ layout, data, ...rest }) =>
    validConfig({
      ...rest,
      stages: layout.map((b) => b.layers),
      growth: layout.map((b) => b.growth),
      data,
      // the reference's input for the kind; the final pool then fits any block count
      inputSize: inputGeometry(data).inputSize,
    }),
  )
  .filter((c): c is CondenseNetConfig => c !== null);

describe('inferArchitecture over many configurations', () => {
  it('reads a condensed state_dict back to its configuration', () => {
    fc.assert(
      fc.property(configs, fc.boolean(), (config, giveData) => {
        const got = inferArchitecture(fakeStateDict(config, 'condensed'), { source: 'p', data: giveData ? config.data : undefined });
        expect(got.form).toBe('condensed');
        expect(got.config).toEqual(config);
      }),
      { numRuns: 150 },
    );
  });

  it('reads a training state_dict back at any condensing stage; G and C need overrides only at stage 0', () => {
    fc.assert(
      fc.property(configs, fc.nat(), fc.boolean(), (config, stageSeed, giveData) => {
        const C = config.condenseFactor;
        const stage = stageSeed % C;
        const form: ModelForm = 'training';
        const overrides = stage === 0 ? { group1x1: config.group1x1, condenseFactor: C } : {};
        const got = inferArchitecture(fakeStateDict(config, form, stage), {
          source: 'p',
          data: giveData ? config.data : undefined,
          overrides,
        });
        expect(got.form).toBe(form);
        expect(got.config).toEqual(config);
        expect(got.condensing.finished).toBe(stage === C - 1);
        for (const layer of got.condensing.layers) {
          expect(layer.stage).toBe(stage);
          expect(layer.keptPerGroup).toBe(layer.inChannels - (stage * layer.inChannels) / C);
        }
      }),
      { numRuns: 150 },
    );
  });
});
