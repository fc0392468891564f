import { DATA_KINDS, inputGeometry, type DataKind } from '@condensenet/core';
import { InteropError } from '../errors.js';
import type { Overrides } from './overrides.js';

/** The reference's data kinds by class count, the only hint a state_dict gives of its input. */
const KIND_BY_CLASSES = new Map<number, DataKind>(DATA_KINDS.map((kind) => [inputGeometry(kind).numClasses, kind]));

export interface Geometry {
  data: DataKind;
  inputSize: number;
  stemStride: number;
  /** Left to resolveConfig (the side of the last block) unless given. */
  poolSize?: number;
}

/**
 * No weight depends on the input size, so it comes from the data kind: the one given, else
 * the one whose class count the classifier has. The final pool is always derived from the
 * input and the block count, which for the reference's 3 CIFAR or 5 ImageNet blocks gives
 * its pools (8, 7) and for other block counts the one size that fits.
 */
export function chooseGeometry(
  classes: { count: number; evidence: string; stated: boolean },
  data: DataKind | undefined,
  overrides: Overrides,
  notes: string[],
  source: string,
): Geometry {
  if (data !== undefined && !DATA_KINDS.includes(data)) {
    throw new InteropError(source, `data '${String(data)}' is not one of ${DATA_KINDS.join(', ')}`);
  }
  const kind = data ?? KIND_BY_CLASSES.get(classes.count);
  if (kind === undefined) {
    if (overrides.inputSize === undefined) {
      throw new InteropError(
        source,
        `cannot tell the input geometry: ${classes.evidence} has ${classes.count} classes (10 -> cifar10, 100 -> cifar100, 1000 -> imagenet); give data or inputSize`,
      );
    }
    notes.push(`data cifar10 recorded: no reference data kind has ${classes.count} classes; the input geometry comes from inputSize`);
    return pick('cifar10', overrides);
  }
  if (data !== undefined && inputGeometry(kind).numClasses !== classes.count && !classes.stated) {
    throw new InteropError(
      source,
      `data ${kind} has ${inputGeometry(kind).numClasses} classes but ${classes.evidence} has ${classes.count}; give numClasses to keep a different head`,
    );
  }
  const how = data !== undefined ? 'as given' : `guessed from the ${classes.count} classes`;
  const geometry = pick(kind, overrides);
  const given = overrides.inputSize !== undefined || overrides.stemStride !== undefined ? 'as given' : 'its reference geometry';
  notes.push(
    `data ${kind} ${how}; input ${geometry.inputSize}x${geometry.inputSize}, stem stride ${geometry.stemStride}: ${given}, as no weight shows it`,
  );
  return geometry;
}

function pick(data: DataKind, overrides: Overrides): Geometry {
  const reference = inputGeometry(data);
  const geometry: Geometry = {
    data,
    inputSize: overrides.inputSize ?? reference.inputSize,
    stemStride: overrides.stemStride ?? reference.stemStride,
  };
  if (overrides.poolSize !== undefined) geometry.poolSize = overrides.poolSize;
  return geometry;
}
