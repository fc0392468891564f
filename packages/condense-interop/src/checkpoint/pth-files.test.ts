import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlan, referenceParameters, resolveConfig } from '@condensenet/core';
import { configInputOf, pthRoot } from '@condensenet/golden-fixtures';
import { describe, expect, it } from 'vitest';
import { readTorchFile } from '../torch/read.js';
import { inferArchitecture } from './infer.js';
import { unwrapCheckpoint } from './unwrap.js';

const expected = JSON.parse(readFileSync(join(pthRoot, 'expected.json'), 'utf8'));
const { args } = expected;
const config = resolveConfig(configInputOf(args));

const open = (file: string) => {
  const { root } = readTorchFile(new Uint8Array(readFileSync(join(pthRoot, file))), file);
  return unwrapCheckpoint(root, file);
};

describe("the real torch files of the authors' code", () => {
  it.each([
    ['checkpoint_006.pth.tar', 'main.py checkpoint', true, 'training'],
    ['checkpoint_006_legacy.pth.tar', 'main.py checkpoint', true, 'training'],
    ['converted_checkpoint_006.pth.tar', 'state_dict wrapper', true, 'condensed'],
    ['converted_checkpoint_006_legacy.pth.tar', 'state_dict wrapper', true, 'condensed'],
    ['state_dict_plain.pth', 'bare state_dict', false, 'training'],
  ] as const)('%s: %s, module. prefix %s, the %s form of expected.json args', (file, wrapper, prefixed, form) => {
    expect(Object.keys(expected.files)).toContain(file);
    const checkpoint = open(file);
    expect(checkpoint.wrapper).toBe(wrapper);
    expect(checkpoint.hadModulePrefix).toBe(prefixed);
    const inferred = inferArchitecture(checkpoint.stateDict, { source: file });
    expect(inferred.form).toBe(form);
    expect(inferred.config).toEqual(config);
    expect(inferred.condensing.finished).toBe(true);
  });

  it.each(['checkpoint_006.pth.tar', 'checkpoint_006_legacy.pth.tar'])("%s: main.py's metadata and SGD state", (file) => {
    const checkpoint = open(file);
    expect(checkpoint).toMatchObject({ epoch: 6, arch: 'condensenet' });
    expect(typeof checkpoint.bestPrec1).toBe('number');
    const { momentumBuffers, ...hyper } = checkpoint.optimizer!;
    expect(hyper).toEqual({ lr: 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: true });
    // parameter order is the state_dict's order without its buffers
    const parameters = referenceParameters(buildPlan(config), 'training').filter((p) =>
      ['conv-weight', 'bn-weight', 'bn-bias', 'linear-weight', 'linear-bias'].includes(p.role),
    );
    expect(momentumBuffers.map((b) => b?.shape)).toEqual(parameters.map((p) => p.shape));
  });
});
