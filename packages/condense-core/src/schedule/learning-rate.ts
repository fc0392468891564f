import { requireFinite, requireNonNegativeInteger, requirePositiveInteger } from '../condensation/checks.js';
import { requireIterationPosition } from './progress.js';

function requireBaseLr(baseLr: number, where: string): void {
  requireFinite(baseLr, where, 'baseLr');
  if (baseLr < 0) throw new Error(`${where}: baseLr = ${baseLr} must not be negative`);
}

/** 0.5 * lr0 * (1 + cos(pi * t / T)), stepped every iteration; t = iterations done. */
export function cosineLearningRate(baseLr: number, iteration: number, totalIterations: number): number {
  const where = 'cosineLearningRate';
  requireBaseLr(baseLr, where);
  requireNonNegativeInteger(iteration, where, 'iteration');
  requirePositiveInteger(totalIterations, where, 'totalIterations');
  if (iteration > totalIterations) {
    throw new Error(`${where}: iteration = ${iteration} must not exceed totalIterations = ${totalIterations}`);
  }
  return 0.5 * baseLr * (1 + Math.cos((Math.PI * iteration) / totalIterations));
}

/**
 * The cosine branch of the reference's adjust_learning_rate, operation for operation:
 * T = epochs * nBatch, t = (epoch % epochs) * nBatch + batch.
 */
export function cosineLearningRateAt(
  baseLr: number,
  epoch: number,
  batch: number,
  batchesPerEpoch: number,
  epochs: number,
): number {
  const where = 'cosineLearningRateAt';
  requireBaseLr(baseLr, where);
  requireIterationPosition(where, epoch, batch, batchesPerEpoch, epochs);
  const totalIterations = epochs * batchesPerEpoch;
  const iteration = (epoch % epochs) * batchesPerEpoch + batch;
  return 0.5 * baseLr * (1 + Math.cos((Math.PI * iteration) / totalIterations));
}

/**
 * The multistep branch of the reference's adjust_learning_rate. CIFAR: x0.1 from half of the
 * epochs, x0.01 from three quarters (the factor is 0.1 ** 2, as in the reference, so values
 * match it bit for bit); ImageNet: x0.1 every 30 epochs.
 */
export function multistepLearningRate(
  baseLr: number,
  epoch: number,
  epochs: number,
  kind: 'cifar' | 'imagenet',
): number {
  const where = 'multistepLearningRate';
  requireBaseLr(baseLr, where);
  requireNonNegativeInteger(epoch, where, 'epoch');
  requirePositiveInteger(epochs, where, 'epochs');
  const decayRate = 0.1;
  if (kind === 'cifar') {
    if (epoch >= epochs * 0.75) return baseLr * decayRate ** 2;
    if (epoch >= epochs * 0.5) return baseLr * decayRate;
    return baseLr;
  }
  if (kind === 'imagenet') return baseLr * decayRate ** Math.floor(epoch / 30);
  throw new Error(`${where}: kind = ${JSON.stringify(kind)} must be 'cifar' or 'imagenet'`);
}
