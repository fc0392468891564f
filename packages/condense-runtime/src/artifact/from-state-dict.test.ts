import { describe, expect, it } from 'vitest';
import { randomCondensedModel } from '../test-support/model.js';
import { encodeArtifact } from './encode.js';
import { condensedModelFromStateDict } from './from-state-dict.js';

describe('condensedModelFromStateDict', () => {
  it('keeps exactly the artifact tensors of a reference state_dict', () => {
    const model = randomCondensedModel();
    const stateDict = new Map([...model.tensors].map(([name, data]) => [name, { shape: [data.length], data }]));
    stateDict.set('features.norm_last.num_batches_tracked', { shape: [], data: new Int32Array(1) });
    const back = condensedModelFromStateDict(stateDict, { config: model.config, normalization: model.normalization, classes: model.classes });
    expect(back.tensors).toEqual(model.tensors);
    expect(encodeArtifact(back).json).toBe(encodeArtifact(model).json);
  });
});
