// A small CondenseNet from the installed @condensenet/layers: forward passes on cpu, no leaks.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { buildCondenseNet } from '@condensenet/layers';

await tf.setBackend('cpu');
const model = buildCondenseNet({ stages: [2, 2, 2], growth: [4, 8, 16], bottleneck: 4, group1x1: 4, group3x3: 4, condenseFactor: 4 }, { seed: 1 });
const [, size, , channels] = model.inputs[0].shape;
const batch = 2;
const x = tf.randomUniform([batch, size, size, channels], 0, 1, 'float32', 7);

const counts = [];
let shape;
for (let call = 0; call < 3; call++) {
  const y = model.predict(x);
  shape = y.shape;
  const values = await y.data();
  y.dispose();
  if (!values.every(Number.isFinite)) throw new Error(`call ${call}: non-finite outputs`);
  counts.push(tf.memory().numTensors);
}
if (shape.join(',') !== `${batch},10`) throw new Error(`output shape [${shape}], expected [${batch}, 10]`);
if (new Set(counts).size !== 1) throw new Error(`numTensors after each call: ${counts.join(', ')} (grows)`);
console.log(`output [${shape}] on ${tf.getBackend()}, numTensors ${counts.join(' / ')}`);
