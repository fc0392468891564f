// A few SGD steps of the installed @condensenet/train on a tiny CondenseNet and synthetic data.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { buildCondenseNet } from '@condensenet/layers';
import { Sgd, trainStep, trainableFromLayersModel } from '@condensenet/train';

await tf.setBackend('cpu');
// 8x8 grey inputs: a CIFAR-sized step takes seconds on the cpu backend of a 2-core machine.
const model = buildCondenseNet(
  { stages: [2, 2, 2], growth: [4, 8, 16], bottleneck: 4, group1x1: 4, group3x3: 4, condenseFactor: 4, inputSize: 8, inputChannels: 1, poolSize: 2 },
  { seed: 1 },
);
const trainable = trainableFromLayersModel(model);
const sgd = new Sgd();
const [, size, , channels] = model.inputs[0].shape;
const images = tf.randomUniform([8, size, size, channels], 0, 1, 'float32', 3);
const labels = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32');

const losses = [];
for (let step = 0; step < 4; step++) {
  await trainable.setProgress(step / 4);
  losses.push((await trainStep(trainable, sgd, { images, labels, learningRate: 0.1, groupLassoLambda: 1e-5 })).loss);
}
if (!losses.every(Number.isFinite)) throw new Error(`losses ${losses.join(', ')}: not all finite`);
if (losses[losses.length - 1] === losses[0]) throw new Error(`loss stayed at ${losses[0]} over ${losses.length} steps`);
console.log(`losses ${losses.map((l) => l.toFixed(4)).join(' -> ')}`);
