import { type MutationKind, mutate, rng } from './mutate.js';
import type { Target } from './targets.js';

/** Each case must end within this; a slower one counts as a hang. */
export const CASE_LIMIT_MS = 1000;
/** Memory a single case may add (beyond its own input): more means a length field drove an allocation. */
export const ALLOCATION_LIMIT_BYTES = 256 * 1024 * 1024;

export type Outcome = 'result' | 'clean' | 'crash' | 'hang' | 'allocation';

export interface Finding {
  outcome: Outcome;
  caseIndex: number;
  kind: MutationKind;
  file: number;
  ms: number;
  message: string;
}

export interface Tally {
  target: string;
  tried: number;
  result: number;
  clean: number;
  crash: number;
  hang: number;
  allocation: number;
  slowestMs: number;
  slowestCase: number;
  /** Growth of the process's peak RSS over the run. */
  peakRssGrowthBytes: number;
  findings: Finding[];
}

export const emptyTally = (target: string): Tally => ({
  target,
  tried: 0,
  result: 0,
  clean: 0,
  crash: 0,
  hang: 0,
  allocation: 0,
  slowestMs: 0,
  slowestCase: -1,
  peakRssGrowthBytes: 0,
  findings: [],
});

/** The case's input: which seed, which of its files, and how that file was mutated. */
export function caseInput(target: Target, seed: number, caseIndex: number): { files: Uint8Array[]; kind: MutationKind; file: number } {
  const r = rng(seed * 1_000_003 + caseIndex);
  const s = target.seeds[Math.floor(r() * target.seeds.length)];
  const file = Math.floor(r() * s.files.length);
  const mutation = mutate(s.files[file], s.layouts[file], r);
  const bytes = target.reseal && r() < 0.5 ? target.reseal(mutation.bytes) : mutation.bytes;
  return { files: s.files.map((f, i) => (i === file ? bytes : f)), kind: mutation.kind, file };
}

/** A read whose promise never settles would stall the run; past this it is abandoned as a hang. */
const ASYNC_LIMIT_MS = 5 * CASE_LIMIT_MS;

class Abandoned extends Error {}

async function settleWithin(value: unknown, ms: number): Promise<unknown> {
  if (!(value instanceof Promise)) return value;
  let timer: NodeJS.Timeout | undefined;
  const abandon = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Abandoned(`never settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([value, abandon]);
  } finally {
    clearTimeout(timer);
  }
}

const peakRss = () => process.resourceUsage().maxRSS * 1024;

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.constructor.name}: ${error.message.slice(0, 300)}`;
  return `non-Error thrown: ${String(error).slice(0, 300)}`;
}

async function timedRead(target: Target, files: Uint8Array[]): Promise<{ outcome: Outcome; message: string; ms: number }> {
  const started = performance.now();
  try {
    await settleWithin(target.read(files), ASYNC_LIMIT_MS);
    return { outcome: 'result', message: '', ms: performance.now() - started };
  } catch (error) {
    const outcome = error instanceof Abandoned ? 'hang' : target.isOurs(error) ? 'clean' : 'crash';
    return { outcome, message: describe(error), ms: performance.now() - started };
  }
}

/**
 * Runs cases [start, end) in-process, each timed and its memory measured. `onCase` hears of a
 * case before it runs, so a supervising process knows which one hung if it never returns.
 */
export async function runCases(
  target: Target,
  seed: number,
  start: number,
  end: number,
  tally: Tally,
  onCase: (caseIndex: number) => void = () => {},
): Promise<Tally> {
  const rssAtStart = peakRss();
  for (let i = start; i < end; i++) {
    const { files, kind, file } = caseInput(target, seed, i);
    onCase(i);
    const inputBytes = files.reduce((n, f) => n + f.byteLength, 0);
    const buffersBefore = process.memoryUsage().arrayBuffers;
    const rssBefore = peakRss();
    let { outcome, message, ms } = await timedRead(target, files);
    // The machine is shared: a slow case is timed once more before it counts as a hang.
    if (ms > CASE_LIMIT_MS && outcome !== 'hang') ({ outcome, message, ms } = await timedRead(target, files));
    const grown = Math.max(process.memoryUsage().arrayBuffers - buffersBefore, peakRss() - rssBefore) - inputBytes;
    if (grown > ALLOCATION_LIMIT_BYTES) {
      outcome = 'allocation';
      message = `${(grown / 2 ** 20).toFixed(0)} MiB allocated; ${message}`;
    } else if (ms > CASE_LIMIT_MS) {
      outcome = 'hang';
      message = `took ${ms.toFixed(0)} ms; ${message}`;
    }
    tally.tried++;
    tally[outcome]++;
    if (ms > tally.slowestMs) {
      tally.slowestMs = ms;
      tally.slowestCase = i;
    }
    if (outcome !== 'result' && outcome !== 'clean' && tally.findings.length < 50) {
      tally.findings.push({ outcome, caseIndex: i, kind, file, ms, message });
    }
  }
  tally.peakRssGrowthBytes = Math.max(tally.peakRssGrowthBytes, peakRss() - rssAtStart);
  return tally;
}
