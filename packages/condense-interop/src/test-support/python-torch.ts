/**
 * Runs Python scripts with a Python that can `import torch`, so tests can check files against
 * torch itself. Node-only test support.
 */
import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

/** Tried in order; the first that imports torch is used. */
const CANDIDATES = ['/usr/bin/python3', 'python3'];

export const NEEDS_TORCH = 'needs a Python 3 with torch (e.g. `apt-get install python3-torch`)';

export interface PythonTorch {
  /** The interpreter that imported torch. */
  executable: string;
  torchVersion: string;
  /** Runs `script` with `args` as sys.argv[1:]; returns stdout, throws with stderr on failure. */
  run(script: string, args?: readonly string[]): string;
}

let found: PythonTorch | null | undefined;

/** The first candidate Python that imports torch, or null; looked up once per process. */
export function findPythonTorch(): PythonTorch | null {
  if (found === undefined) found = CANDIDATES.map(tryPython).find((python) => python !== null) ?? null;
  return found;
}

function tryPython(executable: string): PythonTorch | null {
  const probe = spawnSync(executable, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  return {
    executable,
    torchVersion: probe.stdout.trim(),
    run: (script, args = []) => runWith(executable, script, args),
  };
}

function runWith(executable: string, script: string, args: readonly string[]): string {
  const result = spawnSync(executable, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${executable} exited with ${result.status ?? result.signal}:\n${result.stderr}`);
  }
  return result.stdout;
}

/** Runs a script with the Python that has torch; throws if there is none. */
export function runPython(script: string, args: readonly string[] = []): string {
  const python = findPythonTorch();
  if (!python) throw new Error(`runPython ${NEEDS_TORCH}; tried ${CANDIDATES.join(', ')}`);
  return python.run(script, args);
}

/**
 * A describe block whose tests need torch. Without it the block is skipped with the reason in
 * its name, except under CI (`CI` set), where a missing torch fails the run instead of quietly
 * checking nothing.
 */
export function describeWithTorch(name: string, body: (python: PythonTorch) => void): void {
  const python = findPythonTorch();
  if (python) {
    describe(name, () => body(python));
  } else if (process.env.CI) {
    describe(name, () => {
      it(`is run in CI, which ${NEEDS_TORCH}`, () => {
        throw new Error(`${name} ${NEEDS_TORCH}; tried ${CANDIDATES.join(', ')}`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${NEEDS_TORCH})`, () => {
      it(NEEDS_TORCH, () => {});
    });
  }
}
