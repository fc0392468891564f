// Writes public/samples/: the first image of each class in Fashion-MNIST's test split (the split
// @condensenet/train holds out, so the kept model never trained on them) as a grayscale PNG, and
// samples.json naming each file's class and test index. Run once; the output is committed.
import { mkdir, writeFile } from 'node:fs/promises';
import { fashionMnist } from '@condensenet/train';
import { PNG } from 'pngjs';

const outDir = new URL('../public/samples/', import.meta.url);
const { dataset, split } = fashionMnist();
const test = await split('test');
const samples = [];
for (let label = 0; label < dataset.numClasses; label++) {
  const testIndex = test.labels.indexOf(label);
  const png = new PNG({ width: test.width, height: test.height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(test.image(testIndex));
  const file = `${label}-${dataset.classNames[label].toLowerCase().replace(/[^a-z]+/g, '-')}.png`;
  await mkdir(outDir, { recursive: true });
  await writeFile(new URL(file, outDir), PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
  samples.push({ file, label, className: dataset.classNames[label], testIndex });
}
await writeFile(new URL('samples.json', outDir), `${JSON.stringify({ source: 'Fashion-MNIST test split of @condensenet/train', samples }, null, 2)}\n`);
console.log(`wrote ${samples.length} samples to ${outDir.pathname}`);
