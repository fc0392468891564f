import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';

describe('writeFileAtomic', () => {
  it('replaces the file with the concatenated chunks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'f.bin');
    writeFileSync(path, 'old');
    writeFileAtomic(path, [new Uint8Array([1, 2]), new Uint8Array([3])]);
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['f.bin']);
  });

  it('leaves the old file intact when the writer fails part-way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'f.bin');
    writeFileSync(path, 'old');
    expect(() =>
      writeFileAtomic(path, [new Uint8Array(10), new Uint8Array(10)], {
        afterChunk: () => {
          throw new Error('disk full');
        },
      }),
    ).toThrow('disk full');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['f.bin']);
  });

  it('leaves the old file intact when the process is killed part-way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    const path = join(dir, 'f.bin');
    writeFileSync(path, 'old');
    // A real process dies mid-write, so it runs the built module (the test task builds first).
    const built = fileURLToPath(new URL('../../dist/node/atomic-write.js', import.meta.url));
    const script = `
      const { writeFileAtomic } = await import(process.argv[1]);
      writeFileAtomic(process.argv[2], [new Uint8Array(1 << 20), new Uint8Array(1 << 20)], {
        afterChunk: () => process.kill(process.pid, 'SIGKILL'),
      });`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, built, path]);
    expect(child.signal).toBe('SIGKILL');
    expect(readFileSync(path, 'utf8')).toBe('old');
  });
});
