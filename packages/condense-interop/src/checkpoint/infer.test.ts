import { resolveConfig, type CondenseNetConfigInput } from '@condensenet/core';
import { goldenCase } from '@condensenet/golden-fixtures';
import { describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import { fakeStateDict } from '../test-support/fake-state-dict.js';
import { inferArchitecture } from './infer.js';
import type { ShapedEntry } from './types.js';

const tiny = goldenCase('condensenet_tiny');
const tinyConfig = resolveConfig({ stages: [2, 2, 2], growth: [4, 8, 16], bottleneck: 4, group1x1: 4, group3x3: 4, condenseFactor: 4, data: 'cifar10' });

/** A golden state_dict under `prefix`, without the harness's activations and logits. */
function golden(prefix: 'train_form.' | 'converted.' | 'init.'): Map<string, ShapedEntry> {
  return new Map(
    tiny
      .names(prefix)
      .filter((n) => !n.startsWith(`${prefix}act.`) && !n.startsWith(`${prefix}logits`))
      .map((n) => {
        const t = tiny.tensor(n);
        return [n.slice(prefix.length), { shape: t.shape, data: t.data }];
      }),
  );
}

const infer = (sd: ReadonlyMap<string, ShapedEntry>, overrides?: Partial<CondenseNetConfigInput>) =>
  inferArchitecture(sd, { source: 'model.pth', overrides });
const refusal = (detail: string) => new InteropError('model.pth', detail);
const LGC = 'features.denseblock_1.denselayer_1.conv_1';
const tinyLayers = [
  ['features.denseblock_1.denselayer_1.conv_1', 8],
  ['features.denseblock_1.denselayer_2.conv_1', 12],
  ['features.denseblock_2.denselayer_1.conv_1', 16],
  ['features.denseblock_2.denselayer_2.conv_1', 24],
  ['features.denseblock_3.denselayer_1.conv_1', 32],
  ['features.denseblock_3.denselayer_2.conv_1', 48],
] as const;

describe('inferArchitecture on the golden condensenet_tiny', () => {
  it('reads the finished training form: 2-2-2, growth 4-8-16, b 4, G = group3x3 = C = 4, cifar10', () => {
    const got = infer(golden('train_form.'));
    expect(got.form).toBe('training');
    expect(got.config).toEqual(tinyConfig);
    expect(got.condensing).toEqual({
      finished: true,
      layers: tinyLayers.map(([layer, r]) => ({ layer, inChannels: r, stage: 3, count: (3 * r) / 4, keptPerGroup: r / 4, last: true })),
    });
    expect(got.notes).toContain('group1x1 4 from the _mask rows: in every layer output o shares the inputs of output o % 4');
    expect(got.notes.some((n) => n.startsWith('data cifar10 guessed from the 10 classes'))).toBe(true);
  });

  it('reads the converted form to the same configuration', () => {
    const got = infer(golden('converted.'));
    expect(got.form).toBe('condensed');
    expect(got.config).toEqual(tinyConfig);
    expect(got.condensing).toEqual({ finished: true, layers: [] });
    expect(got.notes).toContain(`group1x1 4 = 8 inputs gathered by ${LGC}.index / 2 per group in its conv.weight`);
  });

  it('falls back to the defaults, and says so, when the masks are still all ones', () => {
    const got = infer(golden('init.'));
    expect(got.config).toEqual(tinyConfig);
    expect(got.condensing.finished).toBe(false);
    expect(got.condensing.layers.map((l) => [l.stage, l.last])).toEqual(tinyLayers.map(() => [0, false]));
    expect(got.notes).toContain('group1x1 4: the default, because every _mask is still all ones (stage 0), so the groups cannot be seen');
    expect(got.notes.some((n) => n.startsWith('condenseFactor 4: the default (= group1x1)'))).toBe(true);
    // what the masks cannot show, an override fills
    expect(infer(golden('init.'), { group1x1: 2, condenseFactor: 2 }).config).toMatchObject({ group1x1: 2, condenseFactor: 2 });
  });

  it('reads shapes alone, defaulting what only data shows', () => {
    const shapesOnly = new Map([...golden('train_form.')].map(([n, e]) => [n, { shape: e.shape }]));
    const got = infer(shapesOnly);
    expect(got.config).toEqual(tinyConfig);
    expect(got.condensing.finished).toBe(false);
    expect(got.notes).toContain('group1x1 4: the default, because the _mask tensors carry no data, so the groups cannot be seen');
  });

  it.each(['train_form.', 'converted.'] as const)('accepts overrides that agree (%s)', (prefix) => {
    const { stages, growth, bottleneck, group1x1, group3x3, condenseFactor, numClasses, inputChannels } = tinyConfig;
    const overrides = { stages, growth, bottleneck, group1x1, group3x3, condenseFactor, numClasses, inputChannels };
    expect(infer(golden(prefix), overrides).config).toEqual(tinyConfig);
  });

  it('names the tensor and both readings when an override contradicts the weights', () => {
    const train = golden('train_form.');
    const converted = golden('converted.');
    expect(() =>
      inferArchitecture(train, { source: 'model.pth', overrides: { growth: [8, 16, 32] }, overrideNames: { growth: '--growth' } }),
    ).toThrow(refusal('--growth 8-16-32 contradicts features.denseblock_1.denselayer_1.conv_2.conv.weight [4, 4, 3, 3] (growth 4)'));
    expect(() => infer(converted, { growth: [4, 8, 32] })).toThrow(
      refusal('overrides.growth 4-8-32 contradicts features.denseblock_3.denselayer_1.conv_2.conv.weight [16, 16, 3, 3] (growth 16)'),
    );
    expect(() => infer(train, { stages: [2, 2, 3] })).toThrow(
      refusal(
        'overrides.stages 2-2-3 contradicts features.denseblock_3.denselayer_2.conv_1.conv.weight (stages 2-2-2: denseblock_3 ends at denselayer_2, and there are 3 blocks)',
      ),
    );
    expect(() => infer(train, { stages: [2, 2] })).toThrow(/overrides.stages 2-2 contradicts features.denseblock_3.denselayer_2/);
    expect(() => infer(train, { bottleneck: 2 })).toThrow(
      refusal(`overrides.bottleneck 2 contradicts ${LGC}.conv.weight [16, 8, 1, 1] (bottleneck 4)`),
    );
    expect(() => infer(converted, { group3x3: 2 })).toThrow(
      refusal('overrides.group3x3 2 contradicts features.denseblock_1.denselayer_1.conv_2.conv.weight [4, 4, 3, 3] (group3x3 4)'),
    );
    expect(() => infer(train, { group1x1: 2 })).toThrow(
      refusal(
        `overrides.group1x1 2 contradicts ${LGC}._mask [16, 8, 1, 1] (its rows repeat every 4 outputs: group1x1 4 or a multiple of it)`,
      ),
    );
    expect(() => infer(converted, { group1x1: 2 })).toThrow(
      refusal(
        `overrides.group1x1 2 contradicts ${LGC}.conv.weight [16, 2, 1, 1] with ${LGC}.index [8] (8 gathered inputs, 2 per group: group1x1 4)`,
      ),
    );
    expect(() => infer(train, { condenseFactor: 8 })).toThrow(
      refusal(`overrides.condenseFactor 8 contradicts ${LGC}._count = 6 at _stage 3 (8 inputs, 2 dropped per stage: condenseFactor 4)`),
    );
    expect(() => infer(converted, { condenseFactor: 2 })).toThrow(
      refusal(`overrides.condenseFactor 2 contradicts ${LGC}.conv.weight [16, 2, 1, 1] (8 inputs, 2 kept per group: condenseFactor 4)`),
    );
    expect(() => infer(train, { numClasses: 100 })).toThrow(refusal('overrides.numClasses 100 contradicts classifier.weight [10, 64] (numClasses 10)'));
    expect(() => inferArchitecture(converted, { source: 'model.pth', numClasses: 100 })).toThrow(
      refusal('numClasses 100 contradicts classifier.linear.weight [10, 32] (numClasses 10)'),
    );
    expect(() => infer(train, { inputChannels: 1 })).toThrow(
      refusal('overrides.inputChannels 1 contradicts features.init_conv.weight [8, 3, 3, 3] (inputChannels 3)'),
    );
  });

  it('takes the geometry from the data kind, refusing one whose class count the classifier contradicts', () => {
    const train = golden('train_form.');
    expect(() => inferArchitecture(train, { source: 'model.pth', data: 'cifar100' })).toThrow(
      refusal('data cifar100 has 100 classes but classifier.weight [10, 64] has 10; give numClasses to keep a different head'),
    );
    expect(inferArchitecture(train, { source: 'model.pth', data: 'cifar100', numClasses: 10 }).config).toEqual({
      ...tinyConfig,
      data: 'cifar100',
    });
    expect(inferArchitecture(train, { source: 'model.pth', data: 'cifar10', overrides: { dropout: 0.1 } }).config).toEqual({
      ...tinyConfig,
      dropout: 0.1,
    });
    expect(() => inferArchitecture(train, { source: 'model.pth', data: 'cifar10', overrides: { data: 'imagenet' } })).toThrow(
      refusal('data cifar10 and overrides.data imagenet disagree'),
    );
  });

  it('reports a half-condensed training form per layer', () => {
    const got = infer(fakeStateDict(tinyConfig, 'training', 1));
    expect(got.config).toEqual(tinyConfig);
    expect(got.condensing).toEqual({
      finished: false,
      layers: tinyLayers.map(([layer, r]) => ({ layer, inChannels: r, stage: 1, count: r / 4, keptPerGroup: (3 * r) / 4, last: false })),
    });
  });
});

describe('inferArchitecture reads G from the masks of a real G = 2 layer', () => {
  const g2c4 = goldenCase('lgc_g2c4');
  // denselayer_5 of a one-block growth-4 net reads 8 + 4 * 4 = 24 channels into 16, as lgc_g2c4 does
  const config = resolveConfig({ stages: [5], growth: [4], group1x1: 2, condenseFactor: 4, data: 'cifar10', inputSize: 32 });
  const sd = fakeStateDict(config, 'training', 0);
  const prefix = 'features.denseblock_1.denselayer_5.conv_1';
  for (const buffer of ['_mask', '_count', '_stage']) {
    const t = g2c4.tensor(`final.${buffer}`);
    sd.set(`${prefix}.${buffer}`, { shape: t.shape, data: t.data });
  }

  it('infers G = 2 and C = 4 and reports which layer has condensed', () => {
    const got = infer(sd);
    expect(got.config).toEqual(config);
    expect(got.condensing.finished).toBe(false);
    expect(got.condensing.layers.map((l) => l.last)).toEqual([false, false, false, false, true]);
    expect(got.condensing.layers[4]).toEqual({ layer: prefix, inChannels: 24, stage: 3, count: 18, keptPerGroup: 6, last: true });
    expect(got.notes).toContain(`condenseFactor 4 from _count / _stage: ${prefix}._count = 18 at _stage 3`);
    expect(got.notes.some((n) => n.startsWith('poolSize 32'))).toBe(true);
  });
});

describe('inferArchitecture refuses', () => {
  it('another architecture, showing what it has', () => {
    const resnet = new Map(
      ['conv1.weight', 'bn1.weight', 'bn1.bias', 'layer1.0.conv1.weight', 'layer1.0.bn1.weight', 'fc.weight', 'fc.bias'].map((n) => [n, { shape: [1] }]),
    );
    expect(() => infer(resnet)).toThrow(
      refusal('not a CondenseNet state_dict: no features.init_conv.weight; it has conv1.weight, bn1.weight, bn1.bias, layer1.0.conv1.weight, layer1.0.bn1.weight, … (7 entries)'),
    );
  });

  it('a prefix left on the names, pointing at it', () => {
    const prefixed = new Map([...golden('converted.')].map(([n, e]) => [`model.${n}`, e]));
    expect(() => infer(prefixed)).toThrow(/no features.init_conv.weight \(it is under the prefix 'model.'\)/);
  });

  it('a missing, an extra and a misshapen tensor, by name with both shapes', () => {
    const missing = golden('train_form.');
    missing.delete('features.denseblock_2.denselayer_1.conv_2.norm.running_var');
    expect(() => infer(missing)).toThrow(
      refusal(
        'does not match the training form of CondenseNet stages 2-2-2, growth 4-8-16, bottleneck 4, group3x3 4, 10 classes: ' +
          'missing (1): features.denseblock_2.denselayer_1.conv_2.norm.running_var [32]',
      ),
    );
    const extra = golden('converted.');
    extra.set('features.extra.weight', { shape: [3] });
    expect(() => infer(extra)).toThrow(/does not match the condensed form of .*: unexpected \(1\): features.extra.weight \[3\]$/);
    const misshapen = golden('converted.');
    misshapen.set('classifier.index', { shape: [33] });
    expect(() => infer(misshapen)).toThrow(/wrong shape \(1\): classifier.index expected \[32\], found \[33\]$/);
  });

  it('lists at most five names of each kind', () => {
    const sd = golden('train_form.');
    for (const name of [...sd.keys()].filter((n) => n.endsWith('running_var'))) sd.delete(name);
    expect(() => infer(sd)).toThrow(/missing \(13\): (features\.[^,]+running_var \[\d+\], ){4}features\.[^,]+ \[\d+\], … 8 more$/);
  });

  it('a tensor inference needs, saying what for', () => {
    const sd = golden('train_form.');
    sd.delete('features.denseblock_2.denselayer_1.conv_2.conv.weight');
    expect(() => infer(sd)).toThrow(refusal('missing features.denseblock_2.denselayer_1.conv_2.conv.weight, needed for the growth of denseblock_2'));
  });

  it('a stem that is not 2 * growth[0] wide', () => {
    const sd = golden('train_form.');
    sd.set('features.init_conv.weight', { shape: [16, 3, 3, 3] });
    expect(() => infer(sd)).toThrow(/features.init_conv.weight \[16, 3, 3, 3\] emits 16 channels; the reference's stem emits 2 \* growth\[0\] = 8/);
  });

  it('a mixture of both forms', () => {
    const sd = golden('train_form.');
    sd.set('classifier.index', { shape: [32] });
    expect(() => infer(sd)).toThrow(refusal(`mixes the training form (${LGC}._count) and the condensed form (classifier.index)`));
  });

  it('a block missing between others', () => {
    const sd = new Map([...golden('train_form.')].filter(([n]) => !n.startsWith('features.denseblock_2.')));
    expect(() => infer(sd)).toThrow(refusal('has no features.denseblock_2 entries but has features.denseblock_3'));
  });

  it('masks and counters that disagree', () => {
    const sd = golden('train_form.');
    sd.set(`${LGC}._count`, { shape: [1], data: Float32Array.of(4) });
    expect(() => infer(sd)).toThrow(refusal(`${LGC}._mask has dropped 6 inputs per output but ${LGC}._count = 4`));
    const early = golden('init.');
    early.set(`${LGC}._count`, { shape: [1], data: Float32Array.of(0.5) });
    expect(() => infer(early)).toThrow(refusal(`${LGC}._count = 0.5, expected a non-negative whole number`));
  });

  it('masks whose groups no single group count fits', () => {
    const sd = fakeStateDict(tinyConfig, 'training', 3);
    // 32 distinct rows in the last layer (64 outputs, 48 inputs, 36 dropped): G would be 32
    const mask = new Float32Array(64 * 48).fill(1);
    for (let o = 0; o < 64; o++) for (let t = 0; t < 36; t++) mask[o * 48 + ((o % 32) + t) % 48] = 0;
    sd.set('features.denseblock_3.denselayer_2.conv_1._mask', { shape: [64, 48, 1, 1], data: mask });
    expect(() => infer(sd)).toThrow(
      refusal(`the masks together imply group1x1 32, but ${LGC}._mask [16, 8, 1, 1] has 16 outputs and 8 inputs, not both divisible by it`),
    );
  });

  it('layers whose counters mean different condense factors', () => {
    const sd = fakeStateDict(tinyConfig, 'training', 2);
    // 4 of 16 inputs dropped in one stage means C = 4; the same 8 dropped in one stage would mean C = 2
    sd.set('features.denseblock_2.denselayer_1.conv_1._stage', { shape: [1], data: Float32Array.of(1) });
    expect(() => infer(sd)).toThrow(
      refusal(
        `${LGC}._count = 4 at _stage 2 means condenseFactor 4 but features.denseblock_2.denselayer_1.conv_1._count = 8 at _stage 1 means 2`,
      ),
    );
  });

  it('a class count no data kind has, unless the geometry is given', () => {
    const config = resolveConfig({ ...tinyConfig, numClasses: 200 });
    const sd = fakeStateDict(config, 'condensed');
    expect(() => infer(sd)).toThrow(
      refusal(
        'cannot tell the input geometry: classifier.linear.weight [200, 32] has 200 classes (10 -> cifar10, 100 -> cifar100, 1000 -> imagenet); give data or inputSize',
      ),
    );
    expect(infer(sd, { inputSize: 32 }).config).toEqual(config);
  });

  it('weights that make no valid configuration', () => {
    const sd = fakeStateDict(tinyConfig, 'condensed');
    // 3x3 convs taking 16 inputs in groups of 3 cannot be
    sd.set('features.denseblock_1.denselayer_1.conv_2.conv.weight', { shape: [4, 3, 3, 3] });
    expect(() => infer(sd)).toThrow(/takes 3 inputs per group, which does not divide the 16 bottleneck channels/);
  });
});
