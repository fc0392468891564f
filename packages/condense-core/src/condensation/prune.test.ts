import { goldenCase } from '@condensenet/golden-fixtures';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../test-support/rng.js';
import { groupImportance } from './importance.js';
import { groupLassoValue } from './lasso.js';
import { advanceCondensation, pruneStep } from './prune.js';
import type { LearnedGroupShape } from './shape.js';
import { initialCondensationState, keptColumns, type CondensationState } from './state.js';

function goldenShape(ctor: Record<string, number>): LearnedGroupShape {
  return {
    outChannels: ctor.out_channels,
    inChannels: ctor.in_channels,
    groups: ctor.groups,
    condenseFactor: ctor.condense_factor,
  };
}

describe.each(['lgc_drop', 'lgc_g2c4'])('golden %s, driven step by step', (name) => {
  const c = goldenCase(name);
  const shape = goldenShape(c.config.ctor);
  const weight = c.floats('conv.weight');
  const progress: number[] = c.config.progress;
  const steps: { count: number; stage: number; kept_input_channels_per_group: number[][] }[] = c.config.steps;
  const lassoPerStep = c.floats('lasso_loss_per_step');

  let state: CondensationState = { stage: 0, count: 0, mask: c.floats('initial._mask') };
  const trace = progress.map((p, s) => {
    const importanceBefore = groupImportance(weight, state.mask, shape);
    state = advanceCondensation(weight, state, shape, p).state;
    return { s, importanceBefore, state };
  });

  it('starts from the all-ones mask initialCondensationState builds', () => {
    expect(initialCondensationState(shape).mask).toEqual(c.floats('initial._mask'));
  });

  it.each(trace)('step $s: mask, count and stage equal the reference exactly', ({ s, state: st }) => {
    expect(st.mask).toEqual(c.floats(`step${s}._mask`));
    expect(st.count).toBe(c.floats(`step${s}._count`)[0]);
    expect(st.stage).toBe(c.floats(`step${s}._stage`)[0]);
    expect(st.count).toBe(steps[s].count);
    expect(st.stage).toBe(steps[s].stage);
    expect(keptColumns(st.mask, shape)).toEqual(steps[s].kept_input_channels_per_group);
  });

  it.each(trace)('step $s: group importance before the drop matches', ({ s, importanceBefore }) => {
    const expected = c.floats(`step${s}.harness_group_importance_before`);
    expect(importanceBefore.length).toBe(expected.length);
    importanceBefore.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThanOrEqual(1e-6));
  });

  it.each(trace)('step $s: group lasso matches', ({ s, state: st }) => {
    const got = groupLassoValue(weight, st.mask, shape, st.stage);
    for (const want of [c.floats(`step${s}.lasso_loss`)[0], lassoPerStep[s]]) {
      expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want)));
    }
  });
});

describe('advanceCondensation', () => {
  const shape = { outChannels: 8, inChannels: 12, groups: 2, condenseFactor: 4 };
  const weight = new SeededRandom(1).normals(96);

  it('returns the same state object when the layer is already at the target stage', () => {
    const start = initialCondensationState(shape);
    const result = advanceCondensation(weight, start, shape, 0.1);
    expect(result.pruned).toBe(false);
    expect(result.state).toBe(start);
  });

  it('drops only one delta when progress jumps straight to the end (the reference does too)', () => {
    const { state, pruned } = advanceCondensation(weight, initialCondensationState(shape), shape, 1);
    expect(pruned).toBe(true);
    expect(state.stage).toBe(3);
    expect(state.count).toBe(3);
    expect(advanceCondensation(weight, state, shape, 1).pruned).toBe(false);
    expect(keptColumns(state.mask, shape).map((k) => k.length)).toEqual([9, 9]);
  });

  it('does not mutate the input state', () => {
    const start = initialCondensationState(shape);
    const copy = Float32Array.from(start.mask);
    advanceCondensation(weight, start, shape, 0.2);
    expect(start.mask).toEqual(copy);
    expect(start.stage).toBe(0);
    expect(start.count).toBe(0);
  });

  it('names bad arguments', () => {
    const start = initialCondensationState(shape);
    expect(() => advanceCondensation(weight, start, shape, Number.POSITIVE_INFINITY)).toThrow(
      /advanceCondensation: progress = Infinity must be a finite number/,
    );
    expect(() => advanceCondensation(weight, { ...start, stage: 4 }, shape, 0.2)).toThrow(
      /advanceCondensation: state.stage = 4 exceeds condenseFactor - 1 = 3/,
    );
    expect(() => advanceCondensation(weight, { ...start, mask: new Float32Array(5) }, shape, 0.2)).toThrow(
      /advanceCondensation: state.mask has length 5, expected 96/,
    );
    expect(() => advanceCondensation(weight.subarray(1), start, shape, 0.2)).toThrow(/pruneStep: weight has length 95, expected 96/);
  });
});

describe('pruneStep', () => {
  const shape = { outChannels: 6, inChannels: 12, groups: 3, condenseFactor: 4 };

  it('never re-selects a pruned column, even when live columns have importance 0', () => {
    const weight = new Float32Array(72);
    let state = initialCondensationState(shape);
    const prunedBefore: number[][] = [[], [], []];
    for (let drop = 0; drop < 3; drop++) {
      state = pruneStep(weight, state, shape);
      const kept = keptColumns(state.mask, shape);
      kept.forEach((k, g) => {
        const pruned = [...Array(12).keys()].filter((j) => !k.includes(j));
        expect(pruned.length).toBe(prunedBefore[g].length + 3);
        for (const j of prunedBefore[g]) expect(pruned).toContain(j);
        prunedBefore[g] = pruned;
      });
    }
    expect(keptColumns(state.mask, shape)).toEqual([
      [9, 10, 11],
      [9, 10, 11],
      [9, 10, 11],
    ]);
  });

  it('refuses a drop that would leave fewer than R / C columns', () => {
    const mask = initialCondensationState(shape).mask.map((_, i) => (i % 12 < 9 ? 0 : 1));
    const state = { stage: 3, count: 9, mask };
    expect(() => pruneStep(new Float32Array(72), state, shape)).toThrow(
      /pruneStep: state.count = 9; another drop of R \/ C = 3 would leave fewer than 3/,
    );
  });

  it('refuses a mask whose pruned columns disagree with count', () => {
    const state = { stage: 1, count: 3, mask: initialCondensationState(shape).mask };
    expect(() => pruneStep(new Float32Array(72), state, shape)).toThrow(
      /pruneStep: state.count = 3 but group 0 of state.mask has 0 pruned columns/,
    );
  });

  it('refuses a mask that is not 0/1 or not shared within a group', () => {
    const mask = initialCondensationState(shape).mask;
    mask[13] = 0.5;
    expect(() => pruneStep(new Float32Array(72), { stage: 0, count: 0, mask }, shape)).toThrow(
      /pruneStep: state.mask\[1, 1\] = 0.5, expected 0 or 1/,
    );
    mask[13] = 1;
    mask[3 * 12 + 2] = 0;
    expect(() => pruneStep(new Float32Array(72), { stage: 0, count: 0, mask }, shape)).toThrow(
      /state.mask\[3, 2\] = 0 differs from state.mask\[0, 2\] = 1; all outputs of group 0/,
    );
  });
});

const shapes = fc
  .record({
    groups: fc.integer({ min: 1, max: 8 }),
    condenseFactor: fc.integer({ min: 1, max: 8 }),
    inMultiple: fc.integer({ min: 1, max: 2 }),
    outPerGroup: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .map(({ groups, condenseFactor, inMultiple, outPerGroup, seed }) => {
    const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
    const lcm = (groups * condenseFactor) / gcd(groups, condenseFactor);
    const shape = { outChannels: groups * outPerGroup, inChannels: lcm * inMultiple, groups, condenseFactor };
    return { shape, weight: new SeededRandom(seed).normals(shape.outChannels * shape.inChannels) };
  });

describe('condensation properties', () => {
  it('after every stage each group keeps exactly R / C columns, count = R - R/C, stage = C - 1', () => {
    fc.assert(
      fc.property(shapes, ({ shape, weight }) => {
        const { inChannels: R, condenseFactor: C } = shape;
        const delta = R / C;
        let state = initialCondensationState(shape);
        let previous = keptColumns(state.mask, shape);
        for (let t = 0; t <= 32; t++) {
          const result = advanceCondensation(weight, state, shape, t / 32);
          state = result.state;
          const kept = keptColumns(state.mask, shape);
          kept.forEach((k, g) => {
            if (k.length !== previous[g].length - (result.pruned ? delta : 0)) {
              throw new Error(`group ${g} kept ${k.length} of ${previous[g].length} at progress ${t / 32}`);
            }
            const earlier = new Set(previous[g]);
            if (!k.every((j) => earlier.has(j))) throw new Error(`group ${g} revived a pruned column`);
          });
          if (state.count !== state.stage * delta) throw new Error(`count ${state.count} at stage ${state.stage}`);
          previous = kept;
        }
        expect(state.stage).toBe(C - 1);
        expect(state.count).toBe(R - delta);
        for (const k of keptColumns(state.mask, shape)) expect(k.length).toBe(delta);
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it('prunes the least important live columns of each group', () => {
    fc.assert(
      fc.property(
        shapes.filter(({ shape }) => shape.condenseFactor > 1),
        ({ shape, weight }) => {
          const { inChannels: R, groups: G } = shape;
          const before = initialCondensationState(shape);
          const imp = groupImportance(weight, before.mask, shape);
          const after = pruneStep(weight, before, shape);
          for (let g = 0; g < G; g++) {
            const row = Array.from(imp.subarray(g * R, (g + 1) * R));
            const dropped = row.filter((_, j) => after.mask[g * R + j] === 0);
            const kept = row.filter((_, j) => after.mask[g * R + j] === 1);
            expect(Math.max(...dropped)).toBeLessThanOrEqual(Math.min(...kept));
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);
});
