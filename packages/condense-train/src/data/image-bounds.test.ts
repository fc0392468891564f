import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { craftedPng } from '@condensenet/golden-fixtures';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_IMAGE_PIXELS, decodeImage } from './image-folder.js';

const dir = mkdtempSync(join(tmpdir(), 'condense-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A PNG file whose IHDR says what the test wants, whatever its image data holds. */
function png(width: number, height: number, interlace: 0 | 1, raw: Buffer): string {
  const file = join(dir, `${width}x${height}-${interlace}.png`);
  writeFileSync(file, craftedPng(width, height, interlace, raw));
  return file;
}

// Found by packages/reliability: a header is all it takes to make a decoder allocate gigabytes.
describe('image decoding within bounded memory', () => {
  it('refuses a PNG whose IHDR claims 20,000 x 20,000 pixels, naming the limit', () => {
    const file = png(20_000, 20_000, 0, Buffer.alloc(16));
    expect(() => decodeImage(file)).toThrow(`${file}: cannot decode: 20000 x 20000 pixels is over the limit of ${MAX_IMAGE_PIXELS} pixels`);
  });

  it('refuses an interlaced 1 x 1 PNG whose image data inflates to 64 MB', () => {
    const file = png(1, 1, 1, Buffer.alloc(64 * 2 ** 20));
    expect(() => decodeImage(file)).toThrow(/cannot decode: its image data inflates past the \d+ bytes a 1 x 1 PNG can hold/);
  });

  it('refuses a 170-byte PNG claiming 2,097,164 x 9 pixels before spending seconds on it', () => {
    const file = png(2_097_164, 9, 0, Buffer.alloc(16));
    const started = performance.now();
    expect(() => decodeImage(file)).toThrow(`${file}: cannot decode: a truncated or corrupt PNG file`);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('still decodes an honest interlaced PNG', () => {
    // Adam7 of a 1 x 1 image: one pass, one row, a filter byte and one RGBA pixel.
    const file = png(1, 1, 1, Buffer.from([0, 10, 20, 30, 255]));
    const { data, width, height } = decodeImage(file);
    expect([[...data], width, height]).toEqual([[10, 20, 30, 255], 1, 1]);
  });

  it('refuses a JPEG whose frame header claims 20,000 x 20,000 pixels, naming the limit', () => {
    const bytes = Buffer.from(jpeg.encode({ data: Buffer.alloc(8 * 8 * 4, 128), width: 8, height: 8 }, 90).data);
    const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
    bytes.writeUInt16BE(20_000, sof + 5);
    bytes.writeUInt16BE(20_000, sof + 7);
    const file = join(dir, 'huge.jpg');
    writeFileSync(file, bytes);
    expect(() => decodeImage(file)).toThrow(`${file}: cannot decode: the JPEG is over the limit of ${MAX_IMAGE_PIXELS} pixels`);
  });
});
