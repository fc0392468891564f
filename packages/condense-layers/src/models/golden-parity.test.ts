import { configInputOf, goldenCase } from '@condensenet/golden-fixtures';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { BACKENDS, expectClose, maxAbsDiff, useBackend } from '../test-support/backends.js';
import { asNchw, nhwcInput, stateDict } from '../test-support/golden.js';
import { condense } from './condense.js';
import { buildCondenseNet } from './condensenet.js';
import { exportReferenceStateDict, loadReferenceStateDict } from './reference.js';

const gold = goldenCase('condensenet_tiny');
const args = gold.config.args;
const config = configInputOf(args);

/** The golden `act.<child>` names and the layer whose output each one is. */
const ACTIVATIONS: Record<string, string> = {
  init_conv: 'init_conv',
  denseblock_1: 'denseblock_1.denselayer_2',
  transition_1: 'transition_1',
  denseblock_2: 'denseblock_2.denselayer_2',
  transition_2: 'transition_2',
  denseblock_3: 'denseblock_3.denselayer_2',
  norm_last: 'norm_last',
  relu_last: 'relu_last',
  pool_last: 'pool_last',
};

describe('golden condensenet_tiny', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: training form and condensed form reproduce the reference's activations and logits`, async () => {
      await useBackend(backend);
      const x = nhwcInput(gold, 'x');

      const model = buildCondenseNet(config);
      loadReferenceStateDict(model, stateDict(gold, 'train_form.'));
      const probe = tfl.model({
        inputs: model.inputs,
        outputs: Object.values(ACTIVATIONS).map((n) => model.getLayer(n).output as tfl.SymbolicTensor),
      });
      const acts = probe.predict(x) as tf.Tensor[];
      Object.keys(ACTIVATIONS).forEach((name, i) =>
        expectClose(asNchw(acts[i]), gold.floats(`train_form.act.${name}`), 1e-4, `act.${name}`),
      );
      tf.dispose(acts);
      const logits = model.predict(x) as tf.Tensor;
      expectClose(logits.dataSync(), gold.floats('train_form.logits_eval'), 1e-4, 'logits_eval');

      // Converting our model must give the reference's converted tensors, bit for bit.
      const condensed = condense(model);
      const ours = exportReferenceStateDict(condensed);
      const theirs = stateDict(gold, 'converted.');
      for (const [name, t] of theirs) {
        if (name.endsWith('num_batches_tracked')) continue;
        expect(maxAbsDiff(ours.get(name)!.data, t.data), name).toBe(0);
      }
      const clogits = condensed.predict(x) as tf.Tensor;
      expectClose(clogits.dataSync(), gold.floats('converted.logits'), 1e-4, 'converted.logits');

      // Loading the reference's converted state dict directly gives the same logits.
      const loaded = buildCondenseNet(config, { form: 'condensed' });
      loadReferenceStateDict(loaded, theirs);
      const llogits = loaded.predict(x) as tf.Tensor;
      expectClose(llogits.dataSync(), gold.floats('converted.logits'), 1e-4, 'loaded converted.logits');

      // Train mode (BN batch statistics) last: it moves the running statistics.
      const train = model.apply(x, { training: true }) as tf.Tensor;
      expectClose(train.dataSync(), gold.floats('train_form.logits_trainmode'), 1e-4, 'logits_trainmode');
      tf.dispose([x, logits, clogits, llogits, train]);
      for (const m of [model, condensed, loaded]) m.dispose();
    });
  }
});
