import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../../apps/cli/dist/bin.js', import.meta.url));
const MODEL = fileURLToPath(new URL('../fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'condense-predict-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CRC = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  let c = 0xffffffff;
  for (const b of body) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A PNG of a few kilobytes whose IHDR and image data say what the test wants. */
function png(name: string, width: number, height: number, interlace: 0 | 1, raw: Buffer): string {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, interlace], 8);
  const file = join(dir, name);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  writeFileSync(file, Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]));
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
