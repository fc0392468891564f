import { describe, requireNonNegativeInteger } from '../condensation/checks.js';
import { validateLearnedGroupShape, type LearnedGroupShape } from '../condensation/shape.js';

/**
 * The conversion index takes the first R / C kept columns in column order, not the most
 * important ones, so a layer converted before its last condensing stage would silently keep
 * the wrong inputs; refuse instead.
 */
export function assertFullyCondensed(
  state: { stage: number },
  shape: LearnedGroupShape,
  where = 'learned group conv',
): void {
  validateLearnedGroupShape(shape, where);
  if (state === null || typeof state !== 'object') {
    throw new Error(`${where}: state = ${describe(state)} must be an object with a stage`);
  }
  requireNonNegativeInteger(state.stage, where, 'stage');
  const last = shape.condenseFactor - 1;
  if (state.stage < last) {
    throw new Error(
      `${where}: cannot convert a layer at condensing stage ${state.stage}; it must reach stage ` +
        `condenseFactor - 1 = ${last} first (train on through progress 0.5, passing every stage)`,
    );
  }
}
