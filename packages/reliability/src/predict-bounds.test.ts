import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { craftedPng } from '@condensenet/golden-fixtures';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../../apps/cli/dist/bin.js', import.meta.url));
const MODEL = fileURLToPath(new URL('../fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'condense-predict-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A PNG file of a few kilobytes whose IHDR and image data say what the test wants. */
function png(name: string, width: number, height: number, interlace: 0 | 1, raw: Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, craftedPng(width, height, interlace, raw));
  return file;
}

/** `condense predict` in a child process, the way a user runs it. */
function predict(image: string): { status: number | null; stderr: string } {
  return spawnSync(process.execPath, [CLI, 'predict', MODEL, image], { encoding: 'utf8' });
}

describe('condense predict within bounded memory', () => {
  it('refuses a PNG claiming 20,000 x 20,000 pixels with the limit named', () => {
    const { status, stderr } = predict(png('huge.png', 20_000, 20_000, 0, Buffer.alloc(1024)));
    expect(status).toBe(2);
    expect(stderr).toMatch(/huge\.png: cannot decode: 20000 x 20000 pixels is over the limit of 64000000 pixels/);
  });

  it('refuses a decompression bomb: a 1 x 1 interlaced PNG whose IDAT inflates to 256 MB', () => {
    const { status, stderr } = predict(png('bomb.png', 1, 1, 1, Buffer.alloc(256 * 2 ** 20)));
    expect(status).toBe(2);
    expect(stderr).toMatch(/bomb\.png: cannot decode: its image data inflates past the \d+ bytes a 1 x 1 PNG can hold/);
  });
});
