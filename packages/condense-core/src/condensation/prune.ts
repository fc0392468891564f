import { requireFinite, requireLength } from './checks.js';
import { importanceUnchecked } from './importance.js';
import { validateLearnedGroupShape, type LearnedGroupShape } from './shape.js';
import { targetStage } from './stage.js';
import { validateCondensationState, type CondensationState } from './state.js';

/**
 * One `_dropping(delta)` of the reference, delta = R / C columns per group: in each group the
 * delta least important columns still connected are cut from every output of that group.
 * The reference takes sorted positions [count, count + delta) of an ascending sort in which
 * pruned columns (importance 0) come first; here pruned columns are placed first explicitly
 * and ties go to the lower column id, so a live column whose importance is exactly 0 can never
 * push an already pruned one into the selection.
 */
export function pruneStep(weight: Float32Array, state: CondensationState, shape: LearnedGroupShape): CondensationState {
  const where = 'pruneStep';
  validateLearnedGroupShape(shape, where);
  const { outChannels: O, inChannels: R, groups: G, condenseFactor: C } = shape;
  requireLength(weight, O * R, where, 'weight', `outChannels * inChannels = ${O} * ${R}`);
  validateCondensationState(state, shape, where);
  const delta = R / C;
  if (state.count + delta > R - delta) {
    throw new Error(
      `${where}: state.count = ${state.count}; another drop of R / C = ${delta} would leave fewer than ` +
        `${delta} of inChannels = ${R} columns per group (condenseFactor = ${C} allows ${C - 1} drops)`,
    );
  }
  const { mask } = state;
  for (let g = 0; g < G; g++) {
    let pruned = 0;
    for (let j = 0; j < R; j++) if (mask[g * R + j] === 0) pruned++;
    if (pruned !== state.count) {
      throw new Error(
        `${where}: state.count = ${state.count} but group ${g} of state.mask has ${pruned} pruned columns; ` +
          'the mask and count must come from the same layer',
      );
    }
  }

  const imp = importanceUnchecked(weight, mask, shape);
  const next = Float32Array.from(mask);
  const order = Array.from({ length: R }, (_, j) => j);
  for (let g = 0; g < G; g++) {
    const row = g * R;
    order.sort((a, b) => {
      const prunedA = mask[row + a] === 0 ? 0 : 1;
      const prunedB = mask[row + b] === 0 ? 0 : 1;
      return prunedA - prunedB || imp[row + a] - imp[row + b] || a - b;
    });
    for (let s = state.count; s < state.count + delta; s++) {
      const j = order[s];
      for (let o = g; o < O; o += G) next[o * R + j] = 0;
    }
  }
  return { stage: state.stage, count: state.count + delta, mask: next };
}

/**
 * The reference's `_check_drop`, run before every forward: when the layer is behind the stage
 * that `progress` calls for it jumps to that stage but prunes only one delta, so progress has
 * to pass through every stage for the mask to end with R / C columns per group.
 */
export function advanceCondensation(
  weight: Float32Array,
  state: CondensationState,
  shape: LearnedGroupShape,
  progress: number,
): { state: CondensationState; pruned: boolean } {
  const where = 'advanceCondensation';
  validateLearnedGroupShape(shape, where);
  requireFinite(progress, where, 'progress');
  validateCondensationState(state, shape, where);
  const target = targetStage(progress, shape.condenseFactor);
  if (state.stage >= target) return { state, pruned: false };
  return { state: pruneStep(weight, { ...state, stage: target }, shape), pruned: true };
}
