import { encodeTorchZip, readReferenceFile, type TensorToWrite } from '@condensenet/interop';
import { loadModel } from '@condensenet/runtime/node';
import { describe, expect, it } from 'vitest';
import { condenseTrainingStateDict } from '@condensenet/interop';
import { modelFromFile } from './model-file.js';
import { AS_STORED } from './preprocess.js';
import { pthBytes, pthExpected, pthImage } from './test-support/golden-pth.js';
import { predictImage } from './test-support/node-model.js';

const expected = pthExpected();

/** The Node runtime's logits agree with torch's to float32 rounding; a wrong tensor misses by far more. */
const TOLERANCE = 1e-4;

async function logitsOf(file: string): Promise<Float32Array[]> {
  const model = await loadModel(modelFromFile(pthBytes(file), file).model, { backend: 'cpu' });
  try {
    const logits = [];
    for (const image of expected.images) logits.push((await predictImage(model, pthImage(image), AS_STORED)).logits);
    return logits;
  } finally {
    model.dispose();
  }
}

function expectLogits(actual: Float32Array, reference: number[]): void {
  expect(actual).toHaveLength(reference.length);
  reference.forEach((r, i) => expect(Math.abs(actual[i] - r), `logit ${i}`).toBeLessThan(TOLERANCE));
}

describe('modelFromFile on the golden torch files', () => {
  it.each(['converted_checkpoint_006.pth.tar', 'converted_checkpoint_006_legacy.pth.tar'])(
    'runs %s (the converted form) as the authors’ code does',
    async (file) => {
      const { model, origin, notes } = modelFromFile(pthBytes(file), file);
      const { args } = expected;
      expect(model.config).toMatchObject({ stages: args.stages, growth: args.growth, group1x1: args.group_1x1, condenseFactor: args.condense_factor });
      expect([model.config.inputSize, model.config.inputChannels, model.config.data]).toEqual([32, 3, 'cifar10']);
      expect(model.classes).toHaveLength(args.num_classes);
      expect(model.classes[6]).toBe('frog');
      expect(origin).toBe(`${file} (state_dict wrapper, torch ${file.includes('legacy') ? 'legacy' : 'zip'} format): the condensed form`);
      expect(notes).toContain("normalisation: cifar10's, as the reference's main.py normalises it");
      const logits = await logitsOf(file);
      logits.forEach((l, i) => expectLogits(l, expected.logits_converted[i]));
    },
  );

  it.each(['checkpoint_006.pth.tar', 'checkpoint_006_legacy.pth.tar'])(
    'condenses %s (main.py’s training form, at its last stage) into exactly the tensors of --convert-from',
    async (file) => {
      const { model, origin } = modelFromFile(pthBytes(file), file);
      expect(origin).toContain("main.py checkpoint, torch");
      expect(origin).toContain("epoch 6): the training form, condensed here as the reference's convert_model does");
      const converted = modelFromFile(pthBytes('converted_checkpoint_006.pth.tar'), 'converted').model;
      expect([...model.tensors.keys()].sort()).toEqual([...converted.tensors.keys()].sort());
      for (const [name, data] of converted.tensors) expect(model.tensors.get(name), name).toEqual(data);
      const logits = await logitsOf(file);
      logits.forEach((l, i) => expectLogits(l, expected.logits_converted[i]));
    },
  );

  it('refuses a layer that has not reached its last condensing stage', () => {
    const file = readReferenceFile(pthBytes('checkpoint_006.pth.tar'), 'checkpoint_006.pth.tar');
    const stage = file.stateDict.get('features.denseblock_1.denselayer_1.conv_1._stage')!;
    const early = new Map(file.stateDict).set('features.denseblock_1.denselayer_1.conv_1._stage', { ...stage, data: Float32Array.of(2) });
    expect(() => condenseTrainingStateDict(early, file.config)).toThrow(
      'features.denseblock_1.denselayer_1.conv_1: cannot convert a layer at condensing stage 2',
    );
  });

  it('says how to finish a training checkpoint that has not condensed yet', () => {
    // The golden training form before any pruning: every mask all ones, stage 0.
    const { stateDict } = readReferenceFile(pthBytes('checkpoint_006.pth.tar'), 'checkpoint_006.pth.tar');
    const fresh = new Map<string, TensorToWrite>();
    for (const [name, t] of stateDict) {
      const reset = name.endsWith('._mask') ? t.data.slice().fill(1) : /\._(stage|count)$/.test(name) ? t.data.slice().fill(0) : t.data;
      fresh.set(name, { ...t, data: reset });
    }
    const bytes = encodeTorchZip(new Map([['state_dict', fresh]]));
    expect(() => modelFromFile(bytes, 'fresh.pth')).toThrow(
      /^fresh\.pth is a training checkpoint that has not finished condensing \(6 of 6 learned group convolutions .*condense import fresh\.pth --out DIR/,
    );
  });

  it('refuses the pickle that asks for os.system, naming the global', () => {
    expect(() => modelFromFile(pthBytes('refuse_os_system.pth'), 'refuse_os_system.pth')).toThrow(/refuses global 'posix\.system'/);
  });

  it('says what a file that is no checkpoint is', () => {
    expect(() => modelFromFile(pthBytes('img0.png'), 'img0.png')).toThrow(/^img0\.png: neither a torch zip file .* nor a legacy torch file/);
  });

  it('takes the data kind it is given, and refuses one the classifier contradicts', () => {
    const file = 'converted_checkpoint_006.pth.tar';
    expect(modelFromFile(pthBytes(file), file, { data: 'cifar10' }).notes).toContain(
      'data cifar10 as given; input 32x32, stem stride 1: its reference geometry, as no weight shows it',
    );
    expect(() => modelFromFile(pthBytes(file), file, { data: 'cifar100' })).toThrow(/data cifar100 has 100 classes but classifier\.linear\.weight .*has 10/);
  });
});
