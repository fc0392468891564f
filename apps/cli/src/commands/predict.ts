import { parseArgs } from 'node:util';
import { loadModel } from '@condensenet/runtime/node';
import { UsageError } from '../errors.js';
import { BACKEND_HELP, backendFlag } from '../flags/backend.js';
import { integerFlag } from '../flags/numbers.js';
import { readImage } from '../images.js';
import type { CliIO } from '../io.js';

export const PREDICT_HELP = `condense predict: classify images with a converted model

Usage: condense predict MODEL IMAGE... [--top K] [--backend B] [--json]

MODEL is a runtime artifact (model.cnn.json, written by 'condense convert' and 'condense train')
or a directory holding one. IMAGEs are PNG or JPEG files; they are converted to the model's
channels (RGB or luminance) and, when their size differs from the model's input, scaled so the
shorter side fits and centre-cropped. Normalisation uses the model's own mean and std.

  --top K       classes to print per image (default 5)
  ${BACKEND_HELP}
  --json        one JSON object: backend, execution path, and per image the top classes and all logits`;

export async function predictCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      top: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length < 2) throw new UsageError('expected MODEL and at least one IMAGE (e.g. condense predict runs/cifar10/condensed cat.png)');
  const [modelPath, ...files] = positionals;
  const top = integerFlag('--top', values.top) ?? 5;
  const backend = backendFlag(values.backend);
  const model = await loadModel(modelPath, { backend });
  try {
    const images = files.map((file) => readImage(file, model.inputSize));
    const predictions = await model.predict(images);
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
