import { requireFinite, requirePositiveInteger } from './checks.js';

/**
 * The condensing stage the reference's _check_drop aims for at training progress p: the first
 * half of training is split into C-1 equal stages, the second half stays at stage C-1.
 * The comparison is written exactly as the reference's `progress * 2 < (i + 1) / (C - 1)` so
 * boundary progresses land on the same side.
 */
export function targetStage(progress: number, condenseFactor: number): number {
  requireFinite(progress, 'targetStage', 'progress');
  requirePositiveInteger(condenseFactor, 'targetStage', 'condenseFactor');
  for (let i = 0; i < condenseFactor - 1; i++) {
    if (progress * 2 < (i + 1) / (condenseFactor - 1)) return i;
  }
  return condenseFactor - 1;
}
