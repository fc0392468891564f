import * as tf from '@tensorflow/tfjs-core';
import type { BackendConfig } from '../backend.js';
import { TfjsForward } from './forward.js';

/** Every model on every tfjs backend, in stock tfjs-core ops: the fallback, last in the registry. */
export const tfjsConfig: BackendConfig = {
  name: 'tfjs',
  path: 'tfjs',
  unavailableReason: () => undefined,
  async createForward(model) {
    const forward = new TfjsForward(model);
    const { inputSize: size, inputChannels: channels } = model.config;
    return {
      async run(images, batch) {
        const x = tf.tensor4d(images, [batch, size, size, channels]);
        const y = forward.predict(x);
        try {
          return (await y.data()) as Float32Array;
        } finally {
          tf.dispose([x, y]);
        }
      },
      dispose: () => forward.dispose(),
    };
  },
};
