import { parseArgs } from 'node:util';
import { preprocessingFor } from '@condensenet/runtime';
import { loadModel } from '@condensenet/runtime/node';
import * as tf from '@tensorflow/tfjs-core';
import { UsageError } from '../errors.js';
import { BACKEND_HELP, backendFlag } from '../flags/backend.js';
import { integerFlag } from '../flags/numbers.js';
import { readImage } from '../images.js';
import type { CliIO } from '../io.js';

export const PREDICT_HELP = `condense predict: classify images with a converted model

Usage: condense predict MODEL IMAGE... [--top K] [--invert auto|off] [--crop object|off] [--backend B] [--json]

MODEL is a runtime artifact (model.cnn.json, written by 'condense convert' and 'condense train')
or a directory holding one. IMAGEs are PNG or JPEG files, prepared as the demo prepares an
upload (the runtime's preprocessing): transparency over white, the model's channels (RGB, or
BT.601 luma), then scaled with area averaging, aspect kept.
- RGB models: the shorter side is scaled to the input size and the centre cut out; for a 224x224
  input an image larger than that follows the reference's ImageNet evaluation (main.py's
  Scale(256) + CenterCrop(224)): shorter side to 256, centre 224x224.
- Grayscale models (Fashion-MNIST-like: a light object on black): an image with a light
  background is inverted, cropped to the object, and its longer side fitted to the input, the
  rest filled with the background.
Normalisation uses the model's own mean and std.

  --top K             classes to print per image (default 5)
  --invert auto|off   invert images whose background is light (default: auto for grayscale models)
  --crop object|off   crop to the object before scaling (default: object for grayscale models)
  ${BACKEND_HELP}
  --json        one JSON object: backend, execution path, and per image the top classes and all logits`;

export async function predictCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      top: { type: 'string' },
      invert: { type: 'string' },
      crop: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length < 2) throw new UsageError('expected MODEL and at least one IMAGE (e.g. condense predict runs/cifar10/condensed cat.png)');
  const [modelPath, ...files] = positionals;
  const top = integerFlag('--top', values.top) ?? 5;
  const invert = choiceFlag('--invert', values.invert, ['auto', 'off']);
  const crop = choiceFlag('--crop', values.crop, ['object', 'off']);
  const backend = backendFlag(values.backend);
  const model = await loadModel(modelPath, { backend });
  try {
    const geometry = { size: model.inputSize, channels: model.inputChannels };
    const options = {
      ...preprocessingFor(geometry),
      ...(invert ? { autoInvert: invert === 'auto' } : {}),
      ...(crop ? { crop: crop === 'object' } : {}),
    };
    const perImage = geometry.size * geometry.size * geometry.channels;
    const pixels = new Float32Array(files.length * perImage);
    files.forEach((file, n) => pixels.set(readImage(file, options).pixels, n * perImage));
    const batch = tf.tensor4d(pixels, [files.length, geometry.size, geometry.size, geometry.channels]);
    const predictions = await model.predict(batch).finally(() => batch.dispose());
    const ranked = predictions.topK(Math.min(top, model.classes.length));
    if (values.json) {
      const classes = model.classes.length;
      const results = files.map((file, n) => ({
        file,
        top: ranked[n].map(({ index, className, probability }) => ({ index, className, probability })),
        logits: Array.from(predictions.logits.subarray(n * classes, (n + 1) * classes)),
      }));
      io.out(JSON.stringify({ backend: model.backend, path: model.path, images: results }));
    } else {
      const width = Math.max(...model.classes.map((c) => c.length));
      for (const [n, file] of files.entries()) {
        io.out(file);
        for (const [rank, c] of ranked[n].entries()) io.out(`  ${rank + 1}. ${c.className.padEnd(width)}  ${(100 * c.probability).toFixed(2).padStart(6)}%`);
      }
    }
  } finally {
    model.dispose();
  }
  return 0;
}

function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined || (choices as readonly string[]).includes(value)) return value as T | undefined;
  throw new UsageError(`${name} ${value}: expected ${choices.join(' or ')}`);
}
