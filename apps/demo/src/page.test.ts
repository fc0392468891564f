import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeModel } from '@condensenet/runtime';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RgbaImage } from '@condensenet/runtime';
import { AS_STORED } from './preprocess.js';
import { SAMPLES_DIR } from './test-support/paths.js';
import { classifyImage, keptModel, samplePixels, samples, UPLOAD_DEFAULTS } from './test-support/node-model.js';
import { executable, pageHarness, suiteName, type Shown } from './test-support/page-harness.js';

/** Both sides run float32 kernels, summing in different orders on webgl; a wrong input misses by far more. */
const TOLERANCE = 1e-4;

/** The page with the kept model, against the Node runtime on the same images. */
describe.skipIf(!executable)(suiteName('the demo page'), () => {
  const harness = pageHarness();
  const { open, nextResult, shownNow, pageErrors } = harness;
  let page: Page;
  let origin: string;
  let dir: string;
  let node: RuntimeModel;

  beforeAll(async () => {
    ({ page, origin, dir } = harness);
    node = await keptModel('wasm');
  });

  afterAll(() => node?.dispose());

  /** The page's top 5 equal the Node runtime's on the same image, probabilities within TOLERANCE. */
  async function expectNodeResult(shown: Shown, image: RgbaImage, options: typeof AS_STORED): Promise<void> {
    const probabilities = await classifyImage(node, image, options);
    const order = Array.from(probabilities.keys()).sort((a, b) => probabilities[b] - probabilities[a]);
    expect(shown.top5.map((s) => s.className)).toEqual(order.slice(0, 5).map((i) => node.classes[i]));
    shown.top5.forEach((s, k) => expect(Math.abs(s.probability - probabilities[order[k]])).toBeLessThan(TOLERANCE));
  }

  it('opens on auto, naming the backend it got and the runtime path there', async () => {
    await open('');
    const facts = await page.evaluate(() => [document.getElementById('backend-name')!.textContent, document.getElementById('path')!.textContent]);
    console.info(`auto chose ${facts[0]} (${facts[1]})`);
    expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(facts[0]);
    expect(facts[1]).toBe(facts[0] === 'cpu' ? 'js-kernels' : `${facts[0]}-kernels`);
  });

  it.each(['wasm', 'webgl'])("shows the Node runtime's top 5 for every sample on %s, at a constant tensor count", async (backend) => {
    await open(`?backend=${backend}`);
    const counts: number[] = [];
    for (const sample of samples()) {
      const shown = await nextResult(() => page.click(`#samples button[data-label="${sample.label}"]`));
      expect([shown.backend, shown.path]).toEqual([backend, `${backend}-kernels`]);
      // The server's COOP/COEP make the page cross-origin isolated, so wasm gets a worker per core,
      // on the relaxed-SIMD build (Chromium has relaxed SIMD from 114).
      if (backend === 'wasm') {
        expect([shown.threads, shown.threadsReason, shown.kernelBuild]).toEqual([await page.evaluate(() => navigator.hardwareConcurrency), '', 'relaxed-simd']);
      }
      await expectNodeResult(shown, samplePixels(sample), AS_STORED);
      expect(shown.truth).toContain(`True class: ${sample.className}`);
      counts.push(shown.tensors);
    }
    expect(new Set(counts).size).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('switches backend from the selector and classifies the same input again', async () => {
    await open('?backend=webgl');
    const [, , , sneaker] = samples().filter((s) => s.label >= 4);
    await nextResult(() => page.click(`#samples button[data-label="${sneaker.label}"]`));
    const again = await nextResult(async () => {
      await page.selectOption('#backend', 'wasm');
    });
    expect([again.backend, again.path]).toEqual(['wasm', 'wasm-kernels']);
    await expectNodeResult(again, samplePixels(sneaker), AS_STORED);
  });

  it('runs webgpu where it initialises, else says why and falls back; auto works after either', async () => {
    await page.goto(`${origin}/?backend=webgpu`);
    await page.waitForSelector('body[data-state=ready], body[data-state=error]', { timeout: 60_000 });
    const path = await page.textContent('#path');
    const error = (await page.locator('#error').textContent()) ?? '';
    console.info(`webgpu here: ${path === 'webgpu-kernels' ? 'runs' : error.replace(/\s+/g, ' ')}`);
    if (path !== 'webgpu-kernels') {
      expect(error).toMatch(/^The webgpu backend could not be used: .+\nUsing (webgl|wasm|cpu) instead\.$/s);
      expect(await page.inputValue('#backend')).toBe(await page.textContent('#backend-name'));
    }
    const ankleBoot = samples()[9];
    const shown = await nextResult(() => page.click(`#samples button[data-label="${ankleBoot.label}"]`));
    await expectNodeResult(shown, samplePixels(ankleBoot), AS_STORED);
    const auto = await nextResult(async () => {
      await page.selectOption('#backend', 'auto');
    });
    expect(['webgpu-kernels', 'webgl-kernels', 'wasm-kernels', 'js-kernels']).toContain(auto.path);
    await expectNodeResult(auto, samplePixels(ankleBoot), AS_STORED);
  });

  it('classifies an uploaded image as the Node runtime does after the same preprocessing', async () => {
    await open('?backend=wasm');
    const bag = samples()[8];
    const shown = await nextResult(() => page.setInputFiles('#file', join(SAMPLES_DIR, bag.file)));
    await expectNodeResult(shown, samplePixels(bag), UPLOAD_DEFAULTS);
    expect(shown.top5[0].className).toBe('Bag');
  });

  it('classifies a drawing: the canvas, preprocessed in Node, gives the same top 5', async () => {
    await open('?backend=wasm');
    const box = (await page.locator('#draw').boundingBox())!;
    const shown = await nextResult(async () => {
      // A rough trouser: two legs joined at the waist.
      await page.mouse.move(box.x + 100, box.y + 250);
      await page.mouse.down();
      for (const [x, y] of [[110, 40], [170, 40], [180, 250]]) await page.mouse.move(box.x + x, box.y + y, { steps: 8 });
      await page.mouse.up();
    });
    // Pointer moves queue later predictions; wait until the page has shown the one of the final canvas.
    let run = await page.getAttribute('#top5', 'data-run');
    for (let settled = false; !settled; ) {
      await page.waitForTimeout(300);
      const now = await page.getAttribute('#top5', 'data-run');
      settled = now === run;
      run = now;
    }
    const final = await shownNow();
    const canvas = await page.evaluate(() => {
      const c = document.getElementById('draw') as HTMLCanvasElement;
      return { data: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data), width: c.width, height: c.height };
    });
    expect(shown.top5).toHaveLength(5);
    await expectNodeResult(final, { ...canvas, data: Uint8Array.from(canvas.data) }, UPLOAD_DEFAULTS);
  });

  it('says what it expected of a file that is not an image', async () => {
    await open('?backend=wasm');
    await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toBe('notes.txt (text/plain) is not an image this browser can decode; expected a PNG, JPEG, GIF, WebP, BMP or AVIF file');
  });

  it('says where it looked and what it expected when the model artifact is missing', async () => {
    await page.goto(`${origin}/?model=missing/model.cnn.json`);
    await page.waitForSelector('body[data-state=error]', { timeout: 30_000 });
    const message = await page.textContent('#error');
    expect(message).toContain(`The model could not be loaded from ${origin}/missing/model.cnn.json`);
    expect(message).toContain('HTTP 404');
    expect(message).toContain('model.cnn.json and the weight file it names');
  });

  it('serves the page from the build with the files it fetches', () => {
    for (const file of ['index.html', 'main.js', 'kernels.wasm', 'kernels-threads.wasm', 'kernels-relaxed.wasm', 'kernels-threads-relaxed.wasm', 'kernel-worker.js', 'tfjs-backend-wasm-simd.wasm', 'model/model.cnn.json', 'model/model.cnn.bin', 'samples/samples.json']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(readFileSync(join(dir, 'model/model.cnn.bin'))).toHaveLength(JSON.parse(readFileSync(join(dir, 'model/model.cnn.json'), 'utf8')).weightsByteLength);
  });
});
