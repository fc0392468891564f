import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
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

  it('lets a child that follows its launcher end on its own when its work is done', async () => {
    const entry = join(dir, 'finishes.mjs');
    writeFileSync(entry, `import { followLauncher } from ${JSON.stringify(builtModule)};\nfollowLauncher();\nsetTimeout(() => {}, 50);`);
    expect(await runWithTunedMalloc(entry, [])).toBe(0);
  });

  it('ends a child whose launcher was killed outright (SIGKILL cannot be passed on)', async () => {
    const child = join(dir, 'orphan.mjs');
    const pidFile = join(dir, 'orphan.pid');
    writeFileSync(
      child,
      `import { writeFileSync } from 'node:fs';
import { followLauncher } from ${JSON.stringify(builtModule)};
followLauncher();
writeFileSync(process.argv[2], String(process.pid));
setTimeout(() => {}, 60000);`,
    );
    const launcher = join(dir, 'launcher.mjs');
    writeFileSync(launcher, `import { runWithTunedMalloc } from ${JSON.stringify(builtModule)};\nawait runWithTunedMalloc(${JSON.stringify(child)}, [${JSON.stringify(pidFile)}]);`);
    const parent = spawn(process.execPath, [launcher], { stdio: 'ignore' });
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8') === '') await new Promise((r) => setTimeout(r, 20));
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    parent.kill('SIGKILL');
    const alive = () => {
      try {
        process.kill(childPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 10_000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
  });
});

// The launcher and child scripts run outside vitest, so they import the built module (CI builds before testing).
const builtModule = fileURLToPath(new URL('../dist/malloc-tuning.js', import.meta.url));
