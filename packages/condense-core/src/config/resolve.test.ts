import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { PRESET_NAMES, presetConfig } from './presets.js';
import { resolveConfig } from './resolve.js';
import { depthOf, geometryForInput } from './types.js';

const base = { stages: [14, 14, 14], growth: [8, 16, 32] };

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfig', () => {
  it("fills the reference's defaults", () => {
    expect(resolveConfig(base)).toEqual({
      ...base,
      bottleneck: 4,
      group1x1: 4,
      group3x3: 4,
      condenseFactor: 4,
      dropout: 0,
      numClasses: 10,
      data: 'cifar10',
      inputSize: 32,
      inputChannels: 3,
      stemStride: 1,
      poolSize: 8,
    });
  });

  it('takes geometry and classes from the data kind, and C from G', () => {
    const c = resolveConfig({ stages: [4, 6, 8, 10, 8], growth: [8, 16, 32, 64, 128], data: 'imagenet', group1x1: 8, group3x3: 8 });
    expect([c.inputSize, c.stemStride, c.poolSize, c.numClasses, c.condenseFactor]).toEqual([224, 2, 7, 1000, 8]);
    expect(resolveConfig({ ...base, data: 'cifar100' }).numClasses).toBe(100);
    expect(resolveConfig({ ...base, data: 'cifar100', numClasses: 7 }).numClasses).toBe(7);
  });

  it('accepts custom geometry such as 28x28 grayscale', () => {
    const c = resolveConfig({ ...base, inputSize: 28, inputChannels: 1, poolSize: 7 });
    expect(c.poolSize).toBe(7);
  });

  it.each([
    [{ ...base, growth: [8, 16] }, 'growth', /one entry per block/],
    [{ ...base, stages: [] }, 'stages', /at least one block/],
    [{ ...base, stages: [14, 0, 14] }, 'stages[1]', /positive integer/],
    [{ ...base, growth: [8, 16.5, 32] }, 'growth[1]', /positive integer/],
    [{ ...base, bottleneck: 0 }, 'bottleneck', /positive integer/],
    [{ ...base, dropout: 1 }, 'dropout', /\[0, 1\)/],
    [{ ...base, data: 'svhn' as never }, 'data', /cifar10, cifar100, imagenet/],
    [{ ...base, group1x1: 3, condenseFactor: 4 }, 'growth[0]', /divisible by group1x1 = 3/],
    [{ ...base, condenseFactor: 32 }, 'growth[0]', /denseblock_1\.denselayer_1 has 16 input channels, not divisible by condenseFactor = 32/],
    [{ ...base, bottleneck: 1, group1x1: 16, group3x3: 1 }, 'growth[0]', /bottleneck \* growth = 8 output channels .* divisible by group1x1 = 16/],
    [{ ...base, group3x3: 16 }, 'growth[0]', /divisible by group3x3 = 16/],
    [{ ...base, poolSize: 7 }, 'poolSize', /maps are 8x8/],
    [{ ...base, stages: [1, 1, 1, 1, 1, 1], growth: [8, 8, 8, 8, 8, 8] }, 'poolSize', /maps are 1x1/],
  ])('rejects %o naming %s', (input, field, rule) => {
    const e = errorOf(() => resolveConfig(input));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(rule);
    expect(e.message.startsWith(`${field} = `)).toBe(true);
  });

  it('rejects a layer whose input count breaks R % G', () => {
    // growth 6 with G = 4: the first layer sees 12 channels (fine), the second 18 (not).
    const e = errorOf(() => resolveConfig({ stages: [2], growth: [6], group1x1: 4, group3x3: 2, bottleneck: 2, poolSize: 32 }));
    expect(e.message).toMatch(/denseblock_1\.denselayer_2 has 18 input channels, not divisible by group1x1 = 4/);
  });
});

describe('presets', () => {
  it.each(PRESET_NAMES)('%s is valid and its depth matches its name', (name) => {
    const c = presetConfig(name);
    const depth = Number(/-(\d+)/.exec(name)![1]);
    // DenseNet-BC-100's name counts its transition convs; the fully dense builder has none.
    expect(depthOf(c)).toBe(name === 'densenet-bc-100' ? 98 : depth);
  });

  it('takes overrides and rejects unknown names', () => {
    expect(presetConfig('condensenet-86', { data: 'cifar100' }).numClasses).toBe(100);
    expect(() => presetConfig('condensenet-87')).toThrow(/unknown preset "condensenet-87"; known presets: condensenet-50/);
  });
});

describe('geometryForInput', () => {
  it('derives stride and pool like the reference for CIFAR and ImageNet, and for 28x28', () => {
    expect(geometryForInput(32, 3)).toEqual({ stemStride: 1, poolSize: 8 });
    expect(geometryForInput(224, 5)).toEqual({ stemStride: 2, poolSize: 7 });
    expect(geometryForInput(28, 3)).toEqual({ stemStride: 1, poolSize: 7 });
  });
});
