import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { it } from 'vitest';
import { buildCondenseNet } from './models/condensenet.js';
import { computeGradients } from './models/training.js';

it('speed', async () => {
  await tf.setBackend('wasm');
  for (const cfg of [
    { stages: [2, 2, 2], growth: [8, 16, 32] },
    { stages: [4, 4, 4], growth: [8, 16, 32] },
    { stages: [6, 6, 6], growth: [8, 16, 32] },
  ]) {
    const model = buildCondenseNet({ ...cfg, inputSize: 28, inputChannels: 1, poolSize: 7 });
    for (const batch of [64, 128]) {
      const x = tf.randomNormal([batch, 28, 28, 1]) as tf.Tensor4D;
      const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
      const times: number[] = [];
      for (let i = 0; i < 4; i++) {
        const t0 = performance.now();
        const { loss, grads } = computeGradients(model, x, y, { progress: 0.1 });
        await loss.data();
        tf.dispose([loss, ...grads]);
        times.push(performance.now() - t0);
      }
      const t = Math.min(...times.slice(1));
      console.log(JSON.stringify({ cfg: cfg.stages.join('-'), batch, ms: t.toFixed(0), imgPerSec: ((batch * 1000) / t).toFixed(0) }));
    }
  }
}, 300000);
