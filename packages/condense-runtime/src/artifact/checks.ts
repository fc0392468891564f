import type { CondenseNetConfig } from '@condensenet/core';
import { ArtifactError } from './errors.js';
import type { ExpectedTensor } from './expected.js';

/** Mean/std per input channel and one class name per class, as the config requires. */
export function checkMetadata(
  config: CondenseNetConfig,
  normalization: { mean: unknown; std: unknown },
  classes: unknown,
  batchNormEpsilon: unknown,
): void {
  for (const key of ['mean', 'std'] as const) {
    const v = normalization[key];
    const field = `normalization.${key}`;
    if (!Array.isArray(v) || v.length !== config.inputChannels) {
      throw new ArtifactError(field, `expected an array of inputChannels = ${config.inputChannels} numbers`);
    }
    v.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || (key === 'std' && x <= 0)) {
        throw new ArtifactError(`${field}[${i}]`, `= ${String(x)}, expected a finite number${key === 'std' ? ' > 0' : ''}`);
      }
    });
  }
  if (!Array.isArray(classes) || classes.length !== config.numClasses || !classes.every((c) => typeof c === 'string')) {
    throw new ArtifactError('classes', `expected an array of numClasses = ${config.numClasses} strings`);
  }
  if (typeof batchNormEpsilon !== 'number' || !(batchNormEpsilon > 0) || !Number.isFinite(batchNormEpsilon)) {
    throw new ArtifactError('batchNormEpsilon', `= ${String(batchNormEpsilon)}, expected a finite number > 0`);
  }
}

/** Finite weights, non-negative running variances, index entries inside the layer's input. */
export function checkValues(t: ExpectedTensor, data: Float32Array | Int32Array): void {
  if (t.kind === 'int32') {
    const bound = t.indexBound ?? Infinity;
    for (let i = 0; i < data.length; i++) {
      if (data[i] < 0 || data[i] >= bound) {
        throw new ArtifactError(t.name, `entry ${i} = ${data[i]} is outside [0, ${bound})`);
      }
    }
    return;
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new ArtifactError(t.name, `entry ${i} = ${data[i]}, expected a finite number`);
    if (t.role === 'bn-running-var' && data[i] < 0) throw new ArtifactError(t.name, `entry ${i} = ${data[i]}, a variance must be >= 0`);
  }
}
