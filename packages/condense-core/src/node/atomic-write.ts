import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteHooks {
  /** Called after each chunk reaches the temporary file (tests use it to die part-way). */
  afterChunk?: (written: number) => void;
}

/**
 * Writes `chunks` to `path` so that readers see either the old file or the complete new one:
 * the data goes to a temporary file beside it, is flushed to disk, and replaces the target with
 * one rename. A crash part-way leaves the old file untouched (and at worst a stray temp file).
 */
export function writeFileAtomic(path: string, chunks: Uint8Array[], hooks: AtomicWriteHooks = {}): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'w');
    let written = 0;
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.byteLength) offset += writeSync(fd, chunk, offset, chunk.byteLength - offset);
      written += chunk.byteLength;
      hooks.afterChunk?.(written);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw e;
  }
}
