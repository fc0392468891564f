import { describe, requirePositiveInteger } from './checks.js';

/** Sizes of one learned group convolution (1x1 conv, weight [outChannels, inChannels]). */
export interface LearnedGroupShape {
  outChannels: number;
  inChannels: number;
  groups: number;
  condenseFactor: number;
}

/**
 * The reference asserts these divisibilities in LearnedGroupConv's constructor; catching them
 * here keeps a bad config from surfacing as an index error deep inside pruning or conversion.
 */
export function validateLearnedGroupShape(shape: LearnedGroupShape, where = 'learned group conv'): void {
  if (shape === null || typeof shape !== 'object') {
    throw new Error(`${where}: shape = ${describe(shape)} must be an object {outChannels, inChannels, groups, condenseFactor}`);
  }
  requirePositiveInteger(shape.outChannels, where, 'outChannels');
  requirePositiveInteger(shape.inChannels, where, 'inChannels');
  requirePositiveInteger(shape.groups, where, 'groups');
  requirePositiveInteger(shape.condenseFactor, where, 'condenseFactor');
  const { outChannels: O, inChannels: R, groups: G, condenseFactor: C } = shape;
  if (R % G !== 0) {
    throw new Error(`${where}: inChannels = ${R} must be divisible by groups = ${G} (R % G == 0)`);
  }
  if (R % C !== 0) {
    throw new Error(`${where}: inChannels = ${R} must be divisible by condenseFactor = ${C} (R % C == 0)`);
  }
  if (O % G !== 0) {
    throw new Error(`${where}: outChannels = ${O} must be divisible by groups = ${G} (O % G == 0)`);
  }
}
