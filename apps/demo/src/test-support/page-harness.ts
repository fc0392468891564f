import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { buildDemo } from '../../scripts/build.mjs';
import { findChromium } from '@condensenet/golden-fixtures';
import { createStaticServer } from '../../scripts/serve.mjs';

/**
 * The built page in headless Chromium, served by the demo's own server. WebGL there is
 * SwiftShader's software renderer, so no GPU or display is needed. Where no Chromium executable
 * is found the suites are skipped, and their names say why.
 */
const chromiumFound = findChromium();
export const executable = 'found' in chromiumFound ? chromiumFound.found : undefined;
export const suiteName = (what: string) =>
  `${what} in headless Chromium (${'found' in chromiumFound ? chromiumFound.found : `skipped: ${chromiumFound.missing}; ${chromiumFound.install}`})`;

/** What the page shows after a prediction. */
export interface Shown {
  backend: string;
  path: string;
  /** The session's threads, and why fewer than asked (the tooltip). */
  threads: number;
  threadsReason: string;
  /** The kernel build the session runs (relaxed-simd, simd, javascript), '–' on GPU paths. */
  kernelBuild: string;
  top5: { className: string; probability: number }[];
  /** Every class's logit, in class order. */
  logits: number[];
  tensors: number;
  truth: string;
  /** The model in use: the kept model's URL or the dropped file's name. */
  model: string;
}

export interface PageHarness {
  readonly dir: string;
  readonly origin: string;
  readonly page: Page;
  readonly pageErrors: string[];
  /** Opens the page with `query` and waits until it is ready. */
  open(query: string): Promise<void>;
  /** Runs `action`, waits for the page's next prediction, and returns what the page shows then. */
  nextResult(action: () => Promise<void>): Promise<Shown>;
  shownNow(): Promise<Shown>;
}

/** Builds the demo into a temporary directory, serves it and opens a Chromium page on it for the suite it is called in. */
export function pageHarness(): PageHarness {
  let server: Server;
  let browser: Browser;
  const harness = {
    pageErrors: [] as string[],
    async open(query: string) {
      await harness.page.goto(`${harness.origin}/${query}`);
      await harness.page.waitForSelector('body[data-state=ready], body[data-state=error]', { timeout: 60_000 });
      const error = await harness.page.locator('#error').textContent();
      expect(await harness.page.getAttribute('body', 'data-state'), error ?? '').toBe('ready');
    },
    async nextResult(action: () => Promise<void>) {
      const before = (await harness.page.getAttribute('#top5', 'data-run')) ?? '0';
      await action();
      await harness.page.waitForFunction((run) => (document.getElementById('top5')?.dataset.run ?? '0') !== run, before, { timeout: 60_000 });
      return harness.shownNow();
    },
    shownNow() {
      return harness.page.evaluate(() => ({
        backend: document.getElementById('backend-name')!.textContent!,
        path: document.getElementById('path')!.textContent!,
        threads: Number(document.getElementById('threads')!.textContent),
        threadsReason: document.getElementById('threads')!.title,
        kernelBuild: document.getElementById('kernel-build')!.textContent ?? '',
        top5: Array.from(document.querySelectorAll<HTMLElement>('#top5 li'), (li) => ({
          className: li.dataset.className!,
          probability: Number(li.dataset.probability),
        })),
        logits: (document.getElementById('top5')!.dataset.logits ?? '').split(' ').map(Number),
        tensors: Number(document.getElementById('tensors')!.textContent),
        truth: document.getElementById('truth')!.textContent!,
        model: document.body.dataset.model ?? '',
      }));
    },
  } as PageHarness & { dir: string; origin: string; page: Page };

  beforeAll(async () => {
    harness.dir = await mkdtemp(join(tmpdir(), 'condense-demo-page-'));
    await buildDemo({ outDir: harness.dir });
    server = createStaticServer(harness.dir);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    harness.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: executable,
      args: ['--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
    });
    harness.page = await browser.newPage();
    harness.page.on('pageerror', (e) => harness.pageErrors.push(e.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => server?.close(done));
    if (harness.dir) await rm(harness.dir, { recursive: true, force: true });
  });

  return harness;
}
