import { goldenCase, type GoldenCase } from '@condensenet/golden-fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { advanceCondensation } from '../condensation/prune.js';
import type { LearnedGroupShape } from '../condensation/shape.js';
import { initialCondensationState, type CondensationState } from '../condensation/state.js';
import {
  batchNormEval,
  conv1x1,
  maxAbsDiff,
  multiply,
  relu,
  takeChannels,
  type Nchw,
} from '../test-support/reference.js';
import { SeededRandom } from '../test-support/rng.js';
import { gatherByIndex } from './gather.js';
import { selectIndex } from './index-select.js';
import { convertLearnedGroupConv, type BatchNormParams, type ConvertedLearnedGroupConv } from './learned-group-conv.js';
import { repackGroupedWeight } from './repack.js';
import { shufflePermutation } from './shuffle.js';

/** The training form in eval mode: BN -> ReLU -> dense 1x1 conv with W * M. */
function maskedForward(x: Float32Array, shape: Nchw, weight: Float32Array, mask: Float32Array, norm: BatchNormParams, O: number) {
  const h = relu(batchNormEval(x, shape, norm.gamma, norm.beta, norm.runningMean, norm.runningVar));
  return conv1x1(h, shape, multiply(weight, mask), O);
}

/** The converted form: gather -> BN -> ReLU -> grouped 1x1 conv -> channel shuffle. */
function convertedForward(x: Float32Array, shape: Nchw, conv: ConvertedLearnedGroupConv, lgc: LearnedGroupShape) {
  const [N, , H, W] = shape;
  const gatheredShape: Nchw = [N, conv.index.length, H, W];
  const h = relu(
    batchNormEval(
      takeChannels(x, shape, conv.index),
      gatheredShape,
      conv.norm.gamma,
      conv.norm.beta,
      conv.norm.runningMean,
      conv.norm.runningVar,
    ),
  );
  const grouped = conv1x1(h, gatheredShape, conv.weight, lgc.outChannels, lgc.groups);
  return takeChannels(grouped, [N, lgc.outChannels, H, W], shufflePermutation(lgc.outChannels, lgc.groups));
}

function goldenNorm(c: GoldenCase, prefix: string): BatchNormParams {
  return {
    gamma: c.floats(`${prefix}norm.weight`),
    beta: c.floats(`${prefix}norm.bias`),
    runningMean: c.floats(`${prefix}norm.running_mean`),
    runningVar: c.floats(`${prefix}norm.running_var`),
  };
}

function goldenState(c: GoldenCase, prefix: string): CondensationState {
  return { stage: c.floats(`${prefix}_stage`)[0], count: c.floats(`${prefix}_count`)[0], mask: c.floats(`${prefix}_mask`) };
}

const cases = [
  { name: 'lgc_convert', prefix: '', shape: { outChannels: 16, inChannels: 24, groups: 4, condenseFactor: 4 } },
  { name: 'lgc_g2c4', prefix: 'convert.', shape: { outChannels: 16, inChannels: 24, groups: 2, condenseFactor: 4 } },
];

describe.each(cases)('golden $name conversion', ({ name, prefix, shape }) => {
  const c = goldenCase(name);
  const weight = c.floats(`${prefix}src.conv.weight`);
  const state = goldenState(c, `${prefix}src.`);
  const norm = goldenNorm(c, `${prefix}src.`);

  it('index, grouped weight and gathered BN are exact copies of the reference', () => {
    const index = selectIndex(state.mask, shape);
    expect(index).toEqual(c.ints(`${prefix}converted.index`));
    expect(Array.from(index)).toEqual(c.config.index);
    expect(repackGroupedWeight(weight, index, shape)).toEqual(c.floats(`${prefix}converted.conv.weight`));
    expect(gatherByIndex(norm.gamma, index)).toEqual(c.floats(`${prefix}converted.norm.weight`));
    expect(gatherByIndex(norm.beta, index)).toEqual(c.floats(`${prefix}converted.norm.bias`));
    expect(gatherByIndex(norm.runningMean, index)).toEqual(c.floats(`${prefix}converted.norm.running_mean`));
    expect(gatherByIndex(norm.runningVar, index)).toEqual(c.floats(`${prefix}converted.norm.running_var`));
  });

  it('the masked and the converted forward both reproduce the reference outputs', () => {
    const x = c.floats(`${prefix}x`);
    const xShape: Nchw = [2, 24, 5, 5];
    const converted = convertLearnedGroupConv(weight, state, norm, shape, name);
    expect(maxAbsDiff(maskedForward(x, xShape, weight, state.mask, norm, 16), c.floats(`${prefix}y_original_eval`))).toBeLessThan(1e-5);
    expect(maxAbsDiff(convertedForward(x, xShape, converted, shape), c.floats(`${prefix}y_converted`))).toBeLessThan(1e-5);
  });
});

describe('golden condensenet_tiny conversion', () => {
  const c = goldenCase('condensenet_tiny');
  const args = c.config.args;
  const layers = c
    .names('train_form.')
    .filter((n) => n.endsWith('.conv_1.conv.weight'))
    .map((n) => n.slice('train_form.'.length, -'conv.weight'.length));

  it('has the six learned group convs of stages 2-2-2', () => {
    expect(layers).toHaveLength(6);
  });

  it.each(layers)('%s converts exactly like the reference', (layer) => {
    const [O, R] = c.tensor(`train_form.${layer}conv.weight`).shape;
    const shape = { outChannels: O, inChannels: R, groups: args.group_1x1, condenseFactor: args.condense_factor };
    const converted = convertLearnedGroupConv(
      c.floats(`train_form.${layer}conv.weight`),
      goldenState(c, `train_form.${layer}`),
      goldenNorm(c, `train_form.${layer}`),
      shape,
      layer,
    );
    expect(converted.index).toEqual(c.ints(`converted.${layer}index`));
    expect(converted.weight).toEqual(c.floats(`converted.${layer}conv.weight`));
    expect(converted.norm.gamma).toEqual(c.floats(`converted.${layer}norm.weight`));
    expect(converted.norm.beta).toEqual(c.floats(`converted.${layer}norm.bias`));
    expect(converted.norm.runningMean).toEqual(c.floats(`converted.${layer}norm.running_mean`));
    expect(converted.norm.runningVar).toEqual(c.floats(`converted.${layer}norm.running_var`));
  });
});

describe('convertLearnedGroupConv', () => {
  const shape = { outChannels: 8, inChannels: 12, groups: 2, condenseFactor: 3 };
  const rng = new SeededRandom(3);
  const weight = rng.normals(96);
  const norm = { gamma: rng.normals(12), beta: rng.normals(12), runningMean: rng.normals(12), runningVar: rng.uniforms(12, 0.5, 2) };

  it('refuses a layer that has not finished condensing, naming it', () => {
    const state = advanceCondensation(weight, initialCondensationState(shape), shape, 0.3).state;
    expect(state.stage).toBe(1);
    expect(() => convertLearnedGroupConv(weight, state, norm, shape, 'denseblock_2.denselayer_1.conv_1')).toThrow(
      /denseblock_2.denselayer_1.conv_1: cannot convert a layer at condensing stage 1; it must reach stage condenseFactor - 1 = 2/,
    );
  });

  it('names a BN vector of the wrong length', () => {
    let state = initialCondensationState(shape);
    for (const p of [0.25, 0.5]) state = advanceCondensation(weight, state, shape, p).state;
    expect(() => convertLearnedGroupConv(weight, state, { ...norm, runningVar: new Float32Array(11) }, shape, 'L')).toThrow(
      /L: norm.runningVar has length 11, expected 12/,
    );
  });

  it('computes what the masked layer computes, for random shapes driven through every stage', () => {
    const layers = fc
      .record({
        groups: fc.integer({ min: 1, max: 8 }),
        condenseFactor: fc.integer({ min: 1, max: 8 }),
        inMultiple: fc.integer({ min: 1, max: 2 }),
        outPerGroup: fc.integer({ min: 1, max: 3 }),
        batch: fc.integer({ min: 1, max: 2 }),
        side: fc.integer({ min: 1, max: 3 }),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      })
      .map((r) => {
        const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
        const R = ((r.groups * r.condenseFactor) / gcd(r.groups, r.condenseFactor)) * r.inMultiple;
        return { ...r, shape: { outChannels: r.groups * r.outPerGroup, inChannels: R, groups: r.groups, condenseFactor: r.condenseFactor } };
      });
    fc.assert(
      fc.property(layers, ({ shape: lgc, batch, side, seed }) => {
        const { outChannels: O, inChannels: R, condenseFactor: C } = lgc;
        const random = new SeededRandom(seed);
        const w = random.normals(O * R, 0.5);
        const bn = { gamma: random.uniforms(R, 0.5, 1.5), beta: random.normals(R, 0.1), runningMean: random.normals(R, 0.2), runningVar: random.uniforms(R, 0.5, 2) };
        let state = initialCondensationState(lgc);
        for (let t = 0; t <= 4 * C; t++) state = advanceCondensation(w, state, lgc, t / (4 * C)).state;
        const xShape: Nchw = [batch, R, side, side];
        const x = random.normals(batch * R * side * side);
        const converted = convertLearnedGroupConv(w, state, bn, lgc);
        const diff = maxAbsDiff(maskedForward(x, xShape, w, state.mask, bn, O), convertedForward(x, xShape, converted, lgc));
        if (!(diff <= 1e-5)) throw new Error(`max abs diff ${diff} for ${JSON.stringify(lgc)}`);
      }),
      { numRuns: 100 },
    );
  }, 60_000);
});
