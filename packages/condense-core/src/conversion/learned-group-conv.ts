import { requireLength } from '../condensation/checks.js';
import { validateLearnedGroupShape, type LearnedGroupShape } from '../condensation/shape.js';
import { validateCondensationState, type CondensationState } from '../condensation/state.js';
import { gatherByIndex } from './gather.js';
import { assertFullyCondensed } from './guard.js';
import { selectIndex } from './index-select.js';
import { repackGroupedWeight } from './repack.js';

/** BatchNorm parameters and running statistics, one entry per channel. */
export interface BatchNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
}

export interface ConvertedLearnedGroupConv {
  /** Input channels gathered before the BatchNorm, G*K entries. */
  index: Int32Array;
  /** The BatchNorm over the gathered channels. */
  norm: BatchNormParams;
  /** Grouped 1x1 weight [O, K] (G groups); follow the conv with shufflePermutation(O, G). */
  weight: Float32Array;
}

/**
 * The whole CondensingConv conversion of one learned group conv (BN in front, as in the
 * reference's L-Conv): refuses layers that have not finished condensing.
 */
export function convertLearnedGroupConv(
  weight: Float32Array,
  state: CondensationState,
  norm: BatchNormParams,
  shape: LearnedGroupShape,
  where = 'learned group conv',
): ConvertedLearnedGroupConv {
  validateLearnedGroupShape(shape, where);
  validateCondensationState(state, shape, where);
  assertFullyCondensed(state, shape, where);
  const R = shape.inChannels;
  for (const field of ['gamma', 'beta', 'runningMean', 'runningVar'] as const) {
    requireLength(norm[field], R, where, `norm.${field}`, `inChannels = ${R}`);
  }
  const index = selectIndex(state.mask, shape);
  return {
    index,
    norm: {
      gamma: gatherByIndex(norm.gamma, index),
      beta: gatherByIndex(norm.beta, index),
      runningMean: gatherByIndex(norm.runningMean, index),
      runningVar: gatherByIndex(norm.runningVar, index),
    },
    weight: repackGroupedWeight(weight, index, shape),
  };
}
