import { requireNonNegativeInteger, requirePositiveInteger } from '../condensation/checks.js';

/** The checks every schedule shares for an (epoch, batch) position in a run. */
export function requireIterationPosition(
  where: string,
  epoch: number,
  batch: number,
  batchesPerEpoch: number,
  epochs: number,
): void {
  requireNonNegativeInteger(epoch, where, 'epoch');
  requireNonNegativeInteger(batch, where, 'batch');
  requirePositiveInteger(batchesPerEpoch, where, 'batchesPerEpoch');
  requirePositiveInteger(epochs, where, 'epochs');
  if (batch >= batchesPerEpoch) {
    throw new Error(`${where}: batch = ${batch} must be below batchesPerEpoch = ${batchesPerEpoch}`);
  }
}

/**
 * Training progress as the reference's train() computes it before each batch:
 * (epoch * batchesPerEpoch + batch) / (epochs * batchesPerEpoch). Epochs past the planned
 * count give progress above 1, which simply keeps every layer at its last stage.
 */
export function trainingProgress(epoch: number, batch: number, batchesPerEpoch: number, epochs: number): number {
  requireIterationPosition('trainingProgress', epoch, batch, batchesPerEpoch, epochs);
  return (epoch * batchesPerEpoch + batch) / (epochs * batchesPerEpoch);
}
