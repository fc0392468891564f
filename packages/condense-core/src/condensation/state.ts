import { describe, requireLength, requireNonNegativeInteger } from './checks.js';
import { validateLearnedGroupShape, type LearnedGroupShape } from './shape.js';

/**
 * What the reference keeps per learned group conv: `_stage`, `_count` (columns pruned per
 * group) and the full 0/1 `_mask` [outChannels, inChannels].
 */
export interface CondensationState {
  stage: number;
  count: number;
  mask: Float32Array;
}

export function initialCondensationState(shape: LearnedGroupShape): CondensationState {
  validateLearnedGroupShape(shape, 'initialCondensationState');
  return { stage: 0, count: 0, mask: new Float32Array(shape.outChannels * shape.inChannels).fill(1) };
}

/**
 * A mask that is not 0/1 or whose rows disagree inside a group cannot have come from the
 * reference's pruning, and both the pruning order and the conversion index read only row g
 * of group g, so such a mask would be converted silently wrong.
 */
export function validateMask(mask: Float32Array, shape: LearnedGroupShape, where: string, name = 'mask'): void {
  const { outChannels: O, inChannels: R, groups: G } = shape;
  requireLength(mask, O * R, where, name, `outChannels * inChannels = ${O} * ${R}`);
  for (let o = 0; o < O; o++) {
    const lead = (o % G) * R;
    for (let j = 0; j < R; j++) {
      const m = mask[o * R + j];
      if (m !== 0 && m !== 1) {
        throw new Error(`${where}: ${name}[${o}, ${j}] = ${m}, expected 0 or 1`);
      }
      if (m !== mask[lead + j]) {
        throw new Error(
          `${where}: ${name}[${o}, ${j}] = ${m} differs from ${name}[${o % G}, ${j}] = ${mask[lead + j]}; ` +
            `all outputs of group ${o % G} (o % groups) must share one mask pattern`,
        );
      }
    }
  }
}

export function validateCondensationState(state: CondensationState, shape: LearnedGroupShape, where: string): void {
  if (state === null || typeof state !== 'object') {
    throw new Error(`${where}: state = ${describe(state)} must be an object {stage, count, mask}`);
  }
  const C = shape.condenseFactor;
  requireNonNegativeInteger(state.stage, where, 'state.stage');
  if (state.stage > C - 1) {
    throw new Error(`${where}: state.stage = ${state.stage} exceeds condenseFactor - 1 = ${C - 1}`);
  }
  requireNonNegativeInteger(state.count, where, 'state.count');
  validateMask(state.mask, shape, where, 'state.mask');
}

/** Per group, the ascending input columns still connected (row g stands for group g). */
export function keptColumns(mask: Float32Array, shape: LearnedGroupShape): number[][] {
  validateLearnedGroupShape(shape, 'keptColumns');
  validateMask(mask, shape, 'keptColumns');
  const { inChannels: R, groups: G } = shape;
  const kept: number[][] = [];
  for (let g = 0; g < G; g++) {
    const columns: number[] = [];
    for (let j = 0; j < R; j++) if (mask[g * R + j] === 1) columns.push(j);
    kept.push(columns);
  }
  return kept;
}
