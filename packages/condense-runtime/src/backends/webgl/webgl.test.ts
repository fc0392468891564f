import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { describeBackendConformance, serializeCase } from '../../test-support/conformance.js';
import type { ConformanceResult } from '../../test-support/conformance-case.js';
import { describeNeeding, findChromium } from '@condensenet/golden-fixtures';
import type { SerializedCase } from '../../test-support/webgl-page.js';
import { webglConfig } from './index.js';

/**
 * WebGL exists only in browsers: the page (src/test-support/webgl-page.ts, bundled by esbuild)
 * runs each conformance case in headless Chromium, where SwiftShader renders WebGL in software
 * without a GPU or a display. Where no Chromium executable is found the suite is skipped, and
 * its name says why; under CI it fails.
 */

const ORIGIN = 'http://condensenet.test';

declare const condenseWebGL: {
  setUp(): Promise<{ renderer: string; webglVersion: number; float32: boolean }>;
  runCase(c: SerializedCase): Promise<ConformanceResult>;
};

describeNeeding(findChromium(), 'webgl backend in headless Chromium', (executable) => {
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [new URL('../../test-support/webgl-page.ts', import.meta.url).pathname],
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
    console.info(`webgl conformance on ${gl.renderer} (WebGL ${gl.webglVersion}, float32 render targets: ${gl.float32})`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  describeBackendConformance({
    config: webglConfig,
    tfjsBackend: 'webgl',
    run: (c) => page.evaluate((arg) => condenseWebGL.runCase(arg), serializeCase(c)),
  });
});
