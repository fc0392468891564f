import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeNeeding, exposeDawnGpu } from '@condensenet/golden-fixtures';
import { afterAll, expect, it } from 'vitest';

const scripts = fileURLToPath(new URL('../scripts/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gpu-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The GPU machine's run, end to end on this machine's adapter (Mesa's software renderer where
 * there is no GPU): bundle, then run.sh on the smoke models, as a device would run the full set.
 */
describeNeeding(await exposeDawnGpu(), 'the prepared GPU run', () => {
  it('bundles, runs every section on the smoke models and writes the JSON', () => {
    const bundled = spawnSync(process.execPath, [join(scripts, 'bundle.mjs'), '--out', join(dir, 'gpu')], { encoding: 'utf8' });
    expect(bundled.status, bundled.stderr).toBe(0);
    const run = spawnSync('bash', [join(dir, 'gpu', 'run.sh'), join(dir, 'out'), '--smoke', '--allow-software'], { encoding: 'utf8', timeout: 240_000 });
    const report = JSON.parse(readFileSync(join(dir, 'out', 'gpu-bench.json'), 'utf8'));
    expect(report.error, run.stdout).toBeUndefined();
    expect(run.status).toBe(0);
    expect(report.correctness).toEqual([expect.objectContaining({ model: 'smoke', path: 'webgpu-kernels', ok: true })]);
    expect(report.inference.map((r: { batch: number }) => r.batch)).toEqual([1, 3]);
    expect(report.training.map((r: { stage: number }) => r.stage)).toEqual([0, 3]);
    for (const row of [...report.inference, ...report.training]) expect(row.imagesPerSecond).toBeGreaterThan(0);
    for (const row of report.training) expect(Number.isFinite(row.loss)).toBe(true);
    expect(readFileSync(join(dir, 'out', 'gpu-bench.log'), 'utf8')).toContain('wrote');
  });

  it('refuses a software adapter unless told to use it, and says so in the JSON', () => {
    const run = spawnSync('bash', [join(dir, 'gpu', 'run.sh'), join(dir, 'refused'), '--smoke'], { encoding: 'utf8', timeout: 60_000 });
    const report = JSON.parse(readFileSync(join(dir, 'refused', 'gpu-bench.json'), 'utf8'));
    if (/llvmpipe|swiftshader/i.test(report.adapter.found)) {
      expect(run.status).toBe(1);
      expect(report.error).toMatch(/only a software adapter .*--allow-software/);
    } else {
      expect(run.status).toBe(0);
    }
  });
});
