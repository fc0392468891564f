import type { RuntimeModel } from '@condensenet/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AS_STORED } from './preprocess.js';
import { classifyImage, keptModel, UPLOAD_DEFAULTS, samplePixels, samples } from './test-support/node-model.js';

const argmax = (p: Float32Array) => p.indexOf(Math.max(...p));

describe('the bundled samples with the kept model (Node runtime, wasm)', () => {
  let model: RuntimeModel;
  beforeAll(async () => {
    model = await keptModel('wasm');
  });
  afterAll(() => model?.dispose());

  it('are one 28x28 test image per class, in class order, named as the model names its classes', () => {
    const list = samples();
    expect(list.map((s) => s.label)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(list.map((s) => s.className)).toEqual(model.classes);
    for (const s of list) expect([samplePixels(s).width, samplePixels(s).height]).toEqual([28, 28]);
  });

  it.each([
    ['as stored (as the page feeds its samples)', AS_STORED],
    ['cropped and refitted (as the page treats an upload, by default)', UPLOAD_DEFAULTS],
  ])('are mostly predicted as their true class, %s', async (_, options) => {
    const predicted = [];
    for (const s of samples()) predicted.push(argmax(await classifyImage(model, samplePixels(s), options)));
    console.info(`predicted ${predicted.join(' ')} for true classes 0-9`);
    expect(model.path).toBe('wasm-kernels');
    expect(predicted.filter((p, label) => p === label).length).toBeGreaterThanOrEqual(8);
  });
});
