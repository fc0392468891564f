import { goldenCase } from '@condensenet/golden-fixtures';
import { describe, expect, it } from 'vitest';
import { presetConfig, resolveConfig } from '../config/index.js';
import { buildPlan } from '../plan/index.js';
import { countCost } from './count.js';

const tiny = () =>
  buildPlan({ stages: [2, 2, 2], growth: [4, 8, 16], bottleneck: 4, group1x1: 4, group3x3: 4, condenseFactor: 4 });

describe('countCost', () => {
  it("matches the reference's measure_model on the golden tiny network, both forms", () => {
    const expected = goldenCase('condensenet_tiny').config.flops_params;
    const plan = tiny();
    const training = countCost(plan, 'training');
    const condensed = countCost(plan, 'condensed');
    expect({ flops: training.flops, params: training.params }).toEqual(expected.train_form);
    expect({ flops: condensed.flops, params: condensed.params }).toEqual(expected.converted);
  });

  it.each([
    ['condensenet-86', 65.8, 0.52],
    ['condensenet-182', 513, 4.2],
    ['condensenet-74-c4', 529, 4.8],
    ['condensenet-74-c8', 274, 2.9],
  ])("reproduces the paper's table for %s (converted: %sM FLOPs, %sM params)", (name, mflops, mparams) => {
    const cost = countCost(buildPlan(presetConfig(name)), 'condensed');
    expect(Number((cost.flops / 1e6).toPrecision(3))).toBe(mflops);
    expect(Number((cost.params / 1e6).toPrecision(2))).toBe(mparams);
  });

  it('makes the training form larger than the condensed one by half the classifier weights', () => {
    const plan = buildPlan(presetConfig('condensenet-86'));
    const training = countCost(plan, 'training');
    const condensed = countCost(plan, 'condensed');
    expect(training.params - condensed.params).toBe(4000);
    expect(training.flops - condensed.flops).toBe(4000);
  });

  it('counts every learned group conv densely in the executed form', () => {
    const plan = tiny();
    const executed = countCost(plan, 'executed');
    const training = countCost(plan, 'training');
    const lgc = (r: typeof executed) => r.layers.filter((l) => l.kind === 'learned-conv');
    lgc(executed).forEach((l, i) => {
      expect(l.flops).toBe(4 * lgc(training)[i].flops);
      expect(l.params).toBe(4 * lgc(training)[i].params);
    });
    expect(executed.flops).toBeGreaterThan(training.flops);
  });

  it('produces integer counts whose sections add up to the totals', () => {
    for (const form of ['training', 'condensed', 'executed'] as const) {
      const cost = countCost(buildPlan(presetConfig('condensenet-182')), form);
      for (const l of cost.layers) {
        expect(Number.isInteger(l.flops)).toBe(true);
        expect(Number.isInteger(l.params)).toBe(true);
      }
      expect(cost.sections.reduce((a, s) => a + s.flops, 0)).toBe(cost.flops);
      expect(cost.sections.reduce((a, s) => a + s.params, 0)).toBe(cost.params);
      expect(cost.sections.map((s) => s.section)).toEqual([
        'init_conv',
        'denseblock_1',
        'transition_1',
        'denseblock_2',
        'transition_2',
        'denseblock_3',
        'head',
        'classifier',
      ]);
    }
  });

  it('counts a DenseNet-BC baseline with no condensing identically in training and executed form', () => {
    const plan = buildPlan(presetConfig('densenet-bc-100'));
    expect(countCost(plan, 'training').flops).toBe(countCost(plan, 'executed').flops);
    expect(resolveConfig(plan.config).condenseFactor).toBe(1);
  });
});
