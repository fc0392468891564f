import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { referenceClassNames } from '@condensenet/core';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PTH_ROOT, pthExpected } from './test-support/golden-pth.js';
import { executable, pageHarness, suiteName, type Shown } from './test-support/page-harness.js';
import { samples } from './test-support/node-model.js';

/** The authors' torch code and the page's runtime differ by float32 summation order; a wrong tensor misses by far more. */
const TOLERANCE = 1e-4;

const expected = pthExpected();
const IMAGE = join(PTH_ROOT, expected.images[0]);
const CIFAR10 = referenceClassNames('cifar10')!;

/** PyTorch checkpoints of the authors' code dropped on (or picked in) the built page, against what that code computed. */
describe.skipIf(!executable)(suiteName('the demo page with a dropped checkpoint'), () => {
  const harness = pageHarness();
  const { open, nextResult } = harness;
  let page: Page;

  beforeAll(() => {
    ({ page } = harness);
  });

  /** Drops a file on the page as a file manager would (no type: browsers know none for .pth). */
  async function drop(name: string, bytes: Buffer, type = ''): Promise<void> {
    const transfer = await page.evaluateHandle(
      ({ name, type, base64 }) => {
        const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([data], name, { type }));
        return transfer;
      },
      { name, type, base64: bytes.toString('base64') },
    );
    await page.dispatchEvent('#draw', 'drop', { dataTransfer: transfer });
  }

  const dropGolden = (file: string) => drop(file, readFileSync(join(PTH_ROOT, file)));

  async function inUse(name: string): Promise<void> {
    await page.waitForSelector(`body[data-model="${name}"][data-state=ready]`, { timeout: 60_000 });
  }

  async function errorShown(): Promise<string> {
    await page.waitForSelector('#error:not([hidden])', { timeout: 60_000 });
    return (await page.textContent('#error')) ?? '';
  }

  /** img0's logits as the authors' converted model computed them, and its top class. */
  function expectImage0(shown: Shown): void {
    const reference = expected.logits_converted[0];
    expect(shown.logits).toHaveLength(reference.length);
    reference.forEach((r, i) => expect(Math.abs(shown.logits[i] - r), `logit ${i}`).toBeLessThan(TOLERANCE));
    expect(shown.top5[0].className).toBe(CIFAR10[reference.indexOf(Math.max(...reference))]);
  }

  it('runs a dropped converted checkpoint (zip format): its configuration, origin and connectivity, and img0 as torch computed it', async () => {
    await open('?backend=wasm');
    await dropGolden('converted_checkpoint_006.pth.tar');
    await inUse('converted_checkpoint_006.pth.tar');
    const info = await page.textContent('#model-info');
    expect(info).toContain('(stages 2-2-2, growth 4-8-16, G = 4, C = 4)');
    expect(info).toContain(`32x32x3 input, 10 classes (${CIFAR10.join(', ')})`);
    expect(await page.textContent('#model-source')).toBe('From converted_checkpoint_006.pth.tar (state_dict wrapper, torch zip format): the condensed form.');
    expect(await page.locator('#model-notes li').allTextContents()).toContain('data cifar10 guessed from the 10 classes; input 32x32, stem stride 1: its reference geometry, as no weight shows it');
    // Six condensed layers and the classifier.
    expect(await page.locator('#layers figure').count()).toBe(7);
    expect(await page.textContent('#samples')).toContain('this model takes other classes or sizes');
    expect(await page.isChecked('#auto-invert')).toBe(false);
    expect(await page.isChecked('#crop')).toBe(false);
    const shown = await nextResult(() => page.setInputFiles('#file', IMAGE));
    expect([shown.model, shown.path]).toEqual(['converted_checkpoint_006.pth.tar', 'wasm-kernels']);
    expectImage0(shown);
    expect(await page.textContent('#seen-caption')).toBe('What the model sees (32x32)');
  });

  it('switches to a checkpoint picked in the file input (legacy format) and classifies the current input with it, on webgl', async () => {
    await open('?backend=webgl');
    const before = await nextResult(() => page.setInputFiles('#file', IMAGE));
    expect(before.model).toMatch(/\/model\/model\.cnn\.json$/);
    const shown = await nextResult(() => page.setInputFiles('#model-file', join(PTH_ROOT, 'converted_checkpoint_006_legacy.pth.tar')));
    expect([shown.model, shown.path]).toEqual(['converted_checkpoint_006_legacy.pth.tar', 'webgl-kernels']);
    expectImage0(shown);
    expect(await page.textContent('#model-source')).toContain('(state_dict wrapper, torch legacy format): the condensed form');
  });

  it("condenses a dropped training checkpoint of main.py, giving the converted model's results", async () => {
    await open('?backend=wasm');
    await nextResult(() => page.setInputFiles('#file', IMAGE));
    const shown = await nextResult(() => dropGolden('checkpoint_006.pth.tar'));
    expect(shown.model).toBe('checkpoint_006.pth.tar');
    expectImage0(shown);
    expect(await page.textContent('#model-source')).toBe(
      "From checkpoint_006.pth.tar (main.py checkpoint, torch zip format, epoch 6): the training form, condensed here as the reference's convert_model does.",
    );
  });

  it('refuses the pickle that asks for os.system, says so, and keeps the model it had', async () => {
    await open('?backend=wasm');
    const kept = await page.getAttribute('body', 'data-model');
    await dropGolden('refuse_os_system.pth');
    const message = await errorShown();
    expect(message).toMatch(/^refuse_os_system\.pth: pickle opcode GLOBAL .*refuses global 'posix\.system'/);
    expect(message).toContain(`\nStill using ${kept}.`);
    expect(await page.getAttribute('body', 'data-model')).toBe(kept);
    expect(await page.getAttribute('body', 'data-state')).toBe('ready');
    const coat = samples()[4];
    const shown = await nextResult(() => page.click(`#samples button[data-label="${coat.label}"]`));
    expect(shown.truth).toContain(`True class: ${coat.className}`);
  });

  it('says what a dropped file that is neither an image nor a checkpoint is', async () => {
    await open('?backend=wasm');
    const kept = await page.getAttribute('body', 'data-model');
    await drop('notes.txt', Buffer.from('not a model'), 'text/plain');
    expect(await errorShown()).toBe(
      'notes.txt: neither a torch zip file (torch >= 1.6) nor a legacy torch file (torch < 1.6): its first bytes are 6e 6f 74 20 61 20 6d 6f' +
        `\nStill using ${kept}.`,
    );
    expect(await page.getAttribute('body', 'data-model')).toBe(kept);
  });

  it('reads the file in use again with the input geometry chosen, and keeps it when that contradicts its classifier', async () => {
    await open('?backend=wasm');
    await dropGolden('converted_checkpoint_006.pth.tar');
    await inUse('converted_checkpoint_006.pth.tar');
    await page.selectOption('#data-kind', 'cifar100');
    expect(await errorShown()).toMatch(
      /^converted_checkpoint_006\.pth\.tar: data cifar100 has 100 classes but classifier\.linear\.weight .*\nStill using converted_checkpoint_006\.pth\.tar\.$/s,
    );
    expect(await page.inputValue('#data-kind')).toBe('');
    await page.selectOption('#data-kind', 'cifar10');
    await page.waitForFunction(() => document.getElementById('model-notes')!.textContent!.includes('data cifar10 as given'), undefined, { timeout: 60_000 });
    expect(await page.isHidden('#error')).toBe(true);
    expect(await page.getAttribute('body', 'data-model')).toBe('converted_checkpoint_006.pth.tar');
  });
});
