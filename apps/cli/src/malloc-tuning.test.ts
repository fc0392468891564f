import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mallocNeedsTuning, runWithTunedMalloc, TUNED_MALLOC_ENV } from './malloc-tuning.js';

describe('mallocNeedsTuning', () => {
  it('tunes glibc when the user has not', () => {
    expect(mallocNeedsTuning({}, true)).toBe(true);
    expect(mallocNeedsTuning({ GLIBC_TUNABLES: 'glibc.pthread.rseq=0' }, true)).toBe(true);
  });

  it("leaves other C libraries and the user's own settings alone", () => {
    expect(mallocNeedsTuning({}, false)).toBe(false);
    expect(mallocNeedsTuning({ MALLOC_MMAP_THRESHOLD_: '131072' }, true)).toBe(false);
    expect(mallocNeedsTuning({ MALLOC_TRIM_THRESHOLD_: '0' }, true)).toBe(false);
    expect(mallocNeedsTuning({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=0' }, true)).toBe(false);
    expect(mallocNeedsTuning({ CONDENSE_NO_MALLOC_TUNING: '1' }, true)).toBe(false);
  });

  it('is off in the relaunched process, which has the variables', () => {
    expect(mallocNeedsTuning({ ...TUNED_MALLOC_ENV }, true)).toBe(false);
  });
});

describe('runWithTunedMalloc', () => {
  const dir = mkdtempSync(join(tmpdir(), 'malloc-tuning-'));

  it('runs the entry with its arguments and the tuned variables, and returns its exit code', async () => {
    const entry = join(dir, 'child.mjs');
    const report = join(dir, 'report.json');
    writeFileSync(
      entry,
      `import { writeFileSync } from 'node:fs';
writeFileSync(process.argv[2], JSON.stringify({ args: process.argv.slice(3), mmap: process.env.MALLOC_MMAP_THRESHOLD_, trim: process.env.MALLOC_TRIM_THRESHOLD_, kept: process.env.KEPT }));
process.exit(3);`,
    );
    const code = await runWithTunedMalloc(entry, [report, 'train', '--epochs', '1'], { ...process.env, KEPT: 'yes' });
    expect(code).toBe(3);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual({
      args: ['train', '--epochs', '1'],
      mmap: TUNED_MALLOC_ENV.MALLOC_MMAP_THRESHOLD_,
      trim: TUNED_MALLOC_ENV.MALLOC_TRIM_THRESHOLD_,
      kept: 'yes',
    });
  });

  it('reports a child ended by a signal as 128 + its number', async () => {
    const entry = join(dir, 'killed.mjs');
    writeFileSync(entry, `process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 10000);`);
    expect(await runWithTunedMalloc(entry, [])).toBe(128 + 15);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('passes a %s sent to this process on to the child', async (signal) => {
    const entry = join(dir, `waits-${signal}.mjs`);
    const ready = join(dir, `ready-${signal}`);
    writeFileSync(
      entry,
      `import { writeFileSync } from 'node:fs';
process.on(${JSON.stringify(signal)}, () => process.exit(42));
writeFileSync(${JSON.stringify(ready)}, 'x');
setTimeout(() => process.exit(1), 20000);`,
    );
    const running = runWithTunedMalloc(entry, []);
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
    process.emit(signal, signal);
    expect(await running).toBe(42);
  });
});
