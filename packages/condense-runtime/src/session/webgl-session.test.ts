import type { CondenseNetConfigInput } from '@condensenet/core';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeArtifact } from '../artifact/encode.js';
import type { CondensedModel } from '../artifact/types.js';
import { expectClose } from '../test-support/close.js';
import { describeNeeding, findChromium } from '../test-support/environment.js';
import { goldenTiny } from '../test-support/golden-model.js';
import { randomCondensedModel } from '../test-support/model.js';
import { randomArray, seededRandom } from '../test-support/rng.js';
import type { WebGLCase, WebGLCaseResult } from '../test-support/webgl-page.js';

/**
 * WebGL exists only in browsers: the page (src/test-support/webgl-page.ts, bundled by esbuild)
 * runs in headless Chromium, where SwiftShader renders WebGL in software without a GPU or a
 * display. Where no Chromium executable is found the suite is skipped, and its name says why;
 * under CI it fails.
 */

/**
 * The cpu session (JavaScript kernels) and the GLSL programs both compute in float32 but sum in
 * different orders (the 1x1 starts from its bias, tfjs's webgl matMul tiles the head), with
 * logits up to about 4 here. 1e-4 (relative above magnitude 1, absolute below) leaves room for
 * GPUs' fused multiply-adds and reassociation, and a wrong index, group or shuffle position
 * still misses it by orders of magnitude.
 */
const TOLERANCE = 1e-4;

const ORIGIN = 'http://condensenet.test';

const MODELS: [string, CondenseNetConfigInput][] = [
  ['CIFAR-kind, G = 4', { stages: [2, 2], growth: [4, 8], poolSize: 16, numClasses: 3 }],
  ['ImageNet-kind stride-2 stem', { stages: [1, 2], growth: [4, 8], data: 'imagenet', inputSize: 32, poolSize: 8, numClasses: 5 }],
  ['growth 6, group3x3 = 2', { stages: [1, 1], growth: [4, 6], group3x3: 2, poolSize: 16, numClasses: 3 }],
  ['G = 2, 9 outputs per group', { stages: [1, 2], growth: [6, 6], bottleneck: 3, group1x1: 2, group3x3: 3, condenseFactor: 2, poolSize: 16, numClasses: 3 }],
  ['DenseNet-BC-like G = C = 1', { stages: [1, 1], growth: [4, 4], group1x1: 1, group3x3: 1, condenseFactor: 1, poolSize: 16, numClasses: 3 }],
];

const base64 = (bytes: ArrayBufferLike | ArrayBufferView): string =>
  (ArrayBuffer.isView(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : Buffer.from(bytes)).toString('base64');

declare const condenseWebGL: {
  setUp(): Promise<{ renderer: string; webglVersion: number; float32: boolean }>;
  runCase(c: WebGLCase): Promise<WebGLCaseResult>;
};

describeNeeding(findChromium(), 'createSession on webgl in headless Chromium', (executable) => {
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [new URL('../test-support/webgl-page.ts', import.meta.url).pathname],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
    });
    browser = await chromium.launch({
      executablePath: executable,
      // SwiftShader: software WebGL, so the suite needs no GPU and no display.
      args: ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
    });
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // Served from an http origin (intercepted, nothing listens) so the bundle's import.meta.url is a real base URL.
    await page.route(`${ORIGIN}/**`, (route) =>
      route.request().url().endsWith('/page.js')
        ? route.fulfill({ contentType: 'text/javascript', body: bundle.outputFiles[0].text })
        : route.fulfill({ contentType: 'text/html', body: '<!doctype html><script type="module" src="/page.js"></script>' }),
    );
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => 'condenseWebGL' in globalThis, undefined, { timeout: 10_000 }).catch(() => {
      throw new Error(`the test page did not start: ${errors.join('; ') || 'no page error reported'}`);
    });
    const gl = await page.evaluate(() => condenseWebGL.setUp());
    console.info(`webgl session tests on ${gl.renderer} (WebGL ${gl.webglVersion}, float32 render targets: ${gl.float32})`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  const runCase = (model: CondensedModel, images: Float32Array, batch: number, repeats = 0): Promise<WebGLCaseResult> => {
    const { json, weights } = encodeArtifact(model);
    const c: WebGLCase = { json, weights: base64(weights), images: base64(images), batch, repeats };
    return page.evaluate((arg) => condenseWebGL.runCase(arg), c);
  };

  it("runs the GLSL programs and reproduces the reference's logits for the converted condensenet_tiny", async () => {
    const { model, images, shape, logits } = goldenTiny();
    const result = await runCase(model, images, shape[0]);
    expect(result.path).toBe('webgl-kernels');
    expectClose(result.webgl, logits, TOLERANCE);
  });

  it.each(MODELS)("gives the cpu session's logits for a random %s model, at a constant tensor count, releasing all on dispose", async (_, config) => {
    const model = randomCondensedModel(config, 11);
    const { inputSize, inputChannels } = model.config;
    const batch = 2;
    const images = randomArray(batch * inputSize * inputSize * inputChannels, seededRandom(5), 0, 1);
    const result = await runCase(model, images, batch, 3);
    expect(result.path).toBe('webgl-kernels');
    expectClose(result.webgl, result.cpu, TOLERANCE);
    expect(result.repeatsEqual).toBe(true);
    expect(result.repeatCounts).toEqual([result.held, result.held, result.held]);
    expect(result.afterDispose).toBe(result.before);
  });
});
