import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKENDS, expectClose, randomArray, useBackend } from '../test-support/backends.js';
import { condense } from '../models/condense.js';
import { buildCondenseNet, condenseNetMetadata, learnedGroupConvs } from '../models/condensenet.js';
import { exportReferenceStateDict } from '../models/reference.js';
import { computeGradients } from '../models/training.js';
import { CONDENSED_FORWARD } from '../kernels/training-kernels.js';
import { loadCondenseNet, saveToMemory } from './load.js';
import { fileHandler } from './node.js';

const CONFIG = { stages: [2, 2], growth: [4, 8], inputSize: 8, poolSize: 4 };
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function expectSameState(a: tfl.LayersModel, b: tfl.LayersModel): void {
  const sa = exportReferenceStateDict(a);
  const sb = exportReferenceStateDict(b);
  expect([...sb.keys()]).toEqual([...sa.keys()]);
  for (const [name, t] of sa) {
    expect(sb.get(name)!.data.constructor, name).toBe(t.data.constructor);
    expectClose(sb.get(name)!.data, t.data, 0, name);
  }
}

/** A training model two stages into condensing, and a fully condensed model. */
function models(): { training: tfl.LayersModel; condensed: tfl.LayersModel; x: tf.Tensor4D } {
  const advance = (m: tfl.LayersModel, stages: number) => {
    for (const l of learnedGroupConvs(m)) for (let s = 1; s <= stages; s++) l.advance(s / 6);
    return m;
  };
  const training = advance(buildCondenseNet(CONFIG), 2);
  const full = advance(buildCondenseNet(CONFIG), 3);
  const condensed = condense(full);
  full.dispose();
  const x = tf.tensor4d(randomArray(2 * 8 * 8 * 3, 3), [2, 8, 8, 3]);
  return { training, condensed, x };
}

describe('save and load', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: both forms round-trip exactly through memory and through files (model.json + weights.bin)`, async () => {
      await useBackend(backend);
      const { training, condensed, x } = models();
      for (const model of [training, condensed]) {
        const dir = await mkdtemp(join(tmpdir(), 'condense-layers-'));
        dirs.push(dir);
        await model.save(fileHandler(dir));
        expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
        const fromFile = await loadCondenseNet(fileHandler(dir));
        const fromMemory = await loadCondenseNet(await saveToMemory(model));
        for (const loaded of [fromFile, fromMemory]) {
          expect(condenseNetMetadata(loaded)).toEqual(condenseNetMetadata(model));
          expectSameState(model, loaded);
          const y0 = model.predict(x) as tf.Tensor;
          const y1 = loaded.predict(x) as tf.Tensor;
          expectClose(y1.dataSync(), y0.dataSync(), 0, 'logits');
          tf.dispose([y0, y1]);
        }
      }
      // The loaded training model resumes condensation where the saved one stopped (stage 2).
      const resumed = await loadCondenseNet(await saveToMemory(training));
      for (const l of learnedGroupConvs(resumed)) {
        expect(l.condensationState().stage).toBe(2);
        expect(l.advance(0.5)).toBe(true);
        expect(l.condensationState().stage).toBe(3);
      }
      x.dispose();
    });
  }

  for (const backend of BACKENDS) {
    it(`${backend}: a loaded training model trains through the condensed layout with the saved one's gradients`, async () => {
      await useBackend(backend);
      const { training, condensed, x } = models();
      const resumed = await loadCondenseNet(await saveToMemory(training));
      const labels = tf.tensor1d([1, 7], 'int32');
      // Progress inside stage 2: each group keeps half its inputs, the condensed layout's range.
      const step = async (m: tfl.LayersModel) => {
        let grads: tf.Tensor[] = [];
        const profile = await tf.profile(() => {
          const r = computeGradients(m, x, labels, { progress: 0.4, lassoWeight: 1e-5 });
          grads = [r.loss, ...r.grads].map((t) => tf.keep(t));
        });
        expect(profile.kernelNames).toContain(CONDENSED_FORWARD);
        const values = grads.map((t) => Float32Array.from(t.dataSync()));
        tf.dispose(grads);
        return values;
      };
      const before = await step(training);
      const after = await step(resumed);
      before.forEach((v, i) => expectClose(after[i], v, 0, `loss and gradient ${i}`));
      tf.dispose([x, labels]);
      for (const m of [training, condensed, resumed]) m.dispose();
    });
  }

  it('names the layer and the field when a saved layer is unregistered or malformed', async () => {
    await useBackend('cpu');
    const artifacts = await saveToMemory(buildCondenseNet(CONFIG));
    const mutate = (edit: (layers: { class_name: string; config: Record<string, unknown> }[]) => void) => {
      const copy = structuredClone(artifacts);
      edit((copy.modelTopology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers);
      return copy;
    };
    const fails = async (a: tf.io.ModelArtifacts, pattern: RegExp) => {
      let message = '';
      try {
        await loadCondenseNet(a);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(pattern);
    };
    const lgc = (layers: { class_name: string; config: Record<string, unknown> }[]) =>
      layers.find((l) => l.class_name === 'LearnedGroupConv')!;
    await fails(
      mutate((layers) => (lgc(layers).class_name = 'MysteryConv')),
      /layer "denseblock_1\.denselayer_1\.conv_1": class "MysteryConv" is not registered/,
    );
    await fails(
      mutate((layers) => (lgc(layers).config.groups = 'four')),
      /LearnedGroupConv layer "denseblock_1\.denselayer_1\.conv_1": config field "groups" = "four"/,
    );
    await fails(
      mutate((layers) => {
        const conv = layers.find((l) => l.class_name === 'GroupConv2D')!;
        conv.config.strategy = 'fastest';
      }),
      /GroupConv2D layer "init_conv": config field "strategy" = "fastest"/,
    );
    await fails(mutate((layers) => delete (lgc(layers) as { config?: unknown }).config), /"denseblock_1\.denselayer_1\.conv_1".*field "config"/);
  });

  // Found by packages/reliability's fuzzer: tfjs waits forever for an input layer that never comes,
  // and reads broken weight specs with TypeErrors or quietly short.
  it('refuses, instead of hanging on, a layer whose input is not listed before it', async () => {
    await useBackend('cpu');
    const artifacts = await saveToMemory(buildCondenseNet(CONFIG));
    const layers = (artifacts.modelTopology as { config: { layers: { name: string }[] } }).config.layers;
    const renamed = structuredClone(artifacts);
    (renamed.modelTopology as { config: { layers: { name: string }[] } }).config.layers[2].name = 'renamed';
    await expect(loadCondenseNet(renamed)).rejects.toThrow(new RegExp(`saved layer ".*": its input "${layers[2].name}" is not a layer listed before it`));
    const outputs = structuredClone(artifacts);
    (outputs.modelTopology as { config: { output_layers: unknown } }).config.output_layers = [['nowhere', 0, 0]];
    await expect(loadCondenseNet(outputs)).rejects.toThrow('saved model: output_layers names "nowhere", which is not a layer of the model');
  });

  it('checks the weight manifest against the weight bytes before tfjs reads them', async () => {
    await useBackend('cpu');
    const artifacts = await saveToMemory(buildCondenseNet(CONFIG));
    const edited = (edit: (specs: Record<string, unknown>[]) => void, weightData = artifacts.weightData) => {
      const copy = { ...artifacts, weightSpecs: structuredClone(artifacts.weightSpecs), weightData };
      edit(copy.weightSpecs as unknown as Record<string, unknown>[]);
      return copy;
    };
    await expect(loadCondenseNet(edited((s) => (s[0].shape = 3)))).rejects.toThrow(/saved model: weight ".*": shape = 3, expected a list of non-negative integers/);
    await expect(loadCondenseNet(edited((s) => (s[0].dtype = 'complex64')))).rejects.toThrow(/dtype = "complex64", expected "float32" or "int32"/);
    await expect(loadCondenseNet(edited((s) => (s[1].name = s[0].name)))).rejects.toThrow(/is listed twice/);
    await expect(loadCondenseNet(edited(() => {}, new ArrayBuffer(6)))).rejects.toThrow(/the weight manifest describes \d+ bytes, the weight data has 6/);
    await expect(loadCondenseNet(edited((s) => (s[0].name = 'stray')))).rejects.toThrow(/^saved model: tfjs cannot build it from the file: /);
  });

  it('reads weight files only from beside model.json', async () => {
    await useBackend('cpu');
    const dir = await mkdtemp(join(tmpdir(), 'condense-io-'));
    dirs.push(dir);
    await fileHandler(dir).save!(await saveToMemory(buildCondenseNet(CONFIG)));
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    json.weightsManifest[0].paths = ['../../etc/passwd'];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadCondenseNet(fileHandler(dir))).rejects.toThrow(/model\.json: weightsManifest path "\.\.\/\.\.\/etc\/passwd" must be a file name beside model\.json/);
    json.weightsManifest[0].paths = ['weighvs.bin'];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadCondenseNet(fileHandler(dir))).rejects.toThrow(/model\.json: cannot read its weight file weighvs\.bin \(ENOENT\)/);
  });

  it('says it is the saved model that lacks a layer list or CondenseNet metadata', async () => {
    await useBackend('cpu');
    const artifacts = await saveToMemory(buildCondenseNet(CONFIG));
    await expect(loadCondenseNet({ ...artifacts, modelTopology: {} })).rejects.toThrow('saved model: the topology has no layer list (config.layers)');
    const bare = { ...artifacts, modelTopology: structuredClone(artifacts.modelTopology), userDefinedMetadata: {} };
    await expect(loadCondenseNet(bare)).rejects.toThrow(/^saved model: model "condensenet" carries no CondenseNet metadata/);
  });
});
