/**
 * What a suite needs from the machine rather than from npm (a Chromium, a Python with torch),
 * found the same way by every package's tests. Node-only test support, free of vitest so that a
 * vitest global setup can import it (`@condensenet/golden-fixtures/requirements`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What provides a suite's need, or what is missing and how to install it. */
export type Requirement = { found: string } | { missing: string; install: string };

/** Throws under CI when `requirement` is missing (for a vitest global setup); else does nothing. */
export function requireInCI(requirement: Requirement, what: string): void {
  if (process.env.CI && 'missing' in requirement) {
    throw new Error(`${what} run in CI, which needs it: ${requirement.missing}; install: ${requirement.install}`);
  }
}

/** Tried in order; CHROMIUM_PATH first, so a Chromium elsewhere can be used. */
const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(
  (path): path is string => !!path,
);

/** The first Chromium executable among the candidates. */
export function findChromium(): Requirement {
  const path = CHROMIUM_CANDIDATES.find((candidate) => existsSync(candidate));
  if (path) return { found: path };
  return {
    missing: `no Chromium executable (looked at ${CHROMIUM_CANDIDATES.join(', ')})`,
    install: '`apt-get install chromium`, or set CHROMIUM_PATH to one',
  };
}

/** Tried in order; Debian's python3-torch lives under /usr/bin, which a pyenv python3 may shadow. */
const PYTHON_CANDIDATES = ['/usr/bin/python3', 'python3'];

export interface PythonTorch {
  /** The interpreter that imported torch. */
  executable: string;
  torchVersion: string;
  /** Runs `script` with `args` as sys.argv[1:]; returns stdout, throws with stderr on failure. */
  run(script: string, args?: readonly string[]): string;
}

let pythonTorch: PythonTorch | null | undefined;

/** The first candidate Python that imports torch, or null; looked up once per process. */
export function findPythonTorch(): PythonTorch | null {
  if (pythonTorch === undefined) pythonTorch = PYTHON_CANDIDATES.map(tryPython).find((python) => python !== null) ?? null;
  return pythonTorch;
}

/** findPythonTorch as a Requirement, for describeNeeding. */
export function pythonTorchRequirement(): Requirement {
  const python = findPythonTorch();
  if (python) return { found: `${python.executable}, torch ${python.torchVersion}` };
  return { missing: `no Python 3 that imports torch (tried ${PYTHON_CANDIDATES.join(', ')})`, install: '`apt-get install python3-torch`' };
}

/** Runs a script with the Python that has torch; throws if there is none. */
export function runPython(script: string, args: readonly string[] = []): string {
  const python = findPythonTorch();
  if (!python) throw new Error(`runPython needs a Python 3 with torch; tried ${PYTHON_CANDIDATES.join(', ')}`);
  return python.run(script, args);
}

function tryPython(executable: string): PythonTorch | null {
  const probe = spawnSync(executable, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  return { executable, torchVersion: probe.stdout.trim(), run: (script, args = []) => runWith(executable, script, args) };
}

function runWith(executable: string, script: string, args: readonly string[]): string {
  const result = spawnSync(executable, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${executable} exited with ${result.status ?? result.signal}:\n${result.stderr}`);
  return result.stdout;
}
