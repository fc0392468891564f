import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import { expectClose } from '../test-support/close.js';
import { goldenTiny } from '../test-support/golden-model.js';
import { TfjsForward } from './tfjs-forward.js';

describe('TfjsForward', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it("reproduces the reference's logits for the converted condensenet_tiny on cpu", () => {
    const { model, images, shape, logits } = goldenTiny();
    const forward = new TfjsForward(model);
    const x = tf.tensor4d(images, shape);
    const y = forward.predict(x);
    expectClose(y.dataSync(), logits, 1e-4);
    tf.dispose([x, y]);
    forward.dispose();
  });
});
