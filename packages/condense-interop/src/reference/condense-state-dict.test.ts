import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pthRoot } from '@condensenet/golden-fixtures';
import { describe, expect, it } from 'vitest';
import { condenseTrainingStateDict } from './condense-state-dict.js';
import { readReferenceFile } from './read-reference-file.js';

const read = (name: string) => readReferenceFile(readFileSync(join(pthRoot, name)), name);

describe('condenseTrainingStateDict', () => {
  it("turns the authors' finished training form into exactly what their convert_model wrote", () => {
    const training = read('checkpoint_006.pth.tar');
    const converted = read('converted_checkpoint_006.pth.tar');
    const condensed = condenseTrainingStateDict(training.stateDict, training.config);
    const expected = [...converted.stateDict.keys()].filter((n) => !n.endsWith('num_batches_tracked'));
    expect([...condensed.keys()].sort()).toEqual(expected.sort());
    for (const name of expected) expect(Array.from(condensed.get(name)!), name).toEqual(Array.from(converted.stateDict.get(name)!.data));
  });

  it('refuses a layer short of its last stage, naming it', () => {
    const training = read('checkpoint_006.pth.tar');
    const name = 'features.denseblock_2.denselayer_1.conv_1._stage';
    const early = new Map(training.stateDict).set(name, { ...training.stateDict.get(name)!, data: Float32Array.of(1) });
    expect(() => condenseTrainingStateDict(early, training.config)).toThrow(/denseblock_2\.denselayer_1\.conv_1: cannot convert a layer at condensing stage 1/);
  });
});
