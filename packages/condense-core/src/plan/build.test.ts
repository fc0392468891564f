import { goldenCase } from '@condensenet/golden-fixtures';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../config/index.js';
import { buildPlan, denseLayers } from './build.js';
import { referenceParameters } from './reference-names.js';

const tinyArgs = { stages: [2, 2, 2], growth: [4, 8, 16], bottleneck: 4, group1x1: 4, group3x3: 4, condenseFactor: 4 };

describe('buildPlan', () => {
  it('lays out CondenseNet-86 like the reference', () => {
    const plan = buildPlan(presetConfig('condensenet-86'));
    expect(plan.depth).toBe(86);
    expect(plan.stem).toMatchObject({ inChannels: 3, outChannels: 16, stride: 1, outputSize: 32 });
    expect(plan.blocks.map((b) => [b.inChannels, b.outChannels, b.spatial])).toEqual([
      [16, 128, 32],
      [128, 352, 16],
      [352, 800, 8],
    ]);
    expect(plan.blocks[2].transition).toBeUndefined();
    expect(plan.blocks[0].transition).toMatchObject({ name: 'transition_1', channels: 128, outputSize: 16 });
    expect(plan.head).toEqual({ features: 800, spatial: 8, poolSize: 8, classes: 10, condensedFeatures: 400 });
    const layers = denseLayers(plan);
    expect(layers).toHaveLength(42);
    expect(layers[1]).toMatchObject({
      name: 'denseblock_1.denselayer_2',
      torchPrefix: 'features.denseblock_1.denselayer_2',
      inChannels: 24,
      outChannels: 32,
      bottleneckChannels: 32,
      condensedInChannels: 24,
      learnedGroup: { inChannels: 24, outChannels: 32, groups: 4, condenseFactor: 4 },
      conv3x3: { inChannels: 32, outChannels: 8, groups: 4 },
    });
  });

  it('halves the ImageNet maps from 112 to 7', () => {
    const plan = buildPlan(presetConfig('condensenet-74-c8'));
    expect(plan.stem.outputSize).toBe(112);
    expect(plan.blocks.map((b) => b.spatial)).toEqual([112, 56, 28, 14, 7]);
    expect(denseLayers(plan)[0].condensedInChannels).toBe(16);
  });

  it('gathers G * R / C channels when G differs from C', () => {
    const plan = buildPlan({ stages: [2], growth: [8], group1x1: 2, condenseFactor: 4, group3x3: 1, poolSize: 32 });
    expect(denseLayers(plan).map((l) => l.condensedInChannels)).toEqual([8, 12]);
  });
});

describe('referenceParameters', () => {
  const golden = goldenCase('condensenet_tiny');
  const plan = buildPlan(tinyArgs);

  it.each([
    ['training', 'train_form.'],
    ['condensed', 'converted.'],
  ] as const)('names every %s-form tensor of the reference with its shape', (form, prefix) => {
    const expected = golden
      .names(prefix)
      .filter((n) => !n.startsWith(`${prefix}act.`) && !n.startsWith(`${prefix}logits`))
      .map((n) => {
        const t = golden.tensor(n);
        return [n.slice(prefix.length), t.shape, t.dtype];
      })
      .sort();
    const ours = referenceParameters(plan, form)
      .map((p) => [p.name, p.shape, p.dtype])
      .sort();
    expect(ours).toEqual(expected);
  });
});
