// The full fuzz run: `npx -y pnpm@10.34.9 --filter @condensenet/reliability fuzz [-- --cases N]
// [--seed S] [READER...]`. Each reader runs in a child process (fuzz/case.ts) watched by a
// timer, so even a synchronous infinite loop is caught, counted as a hang and skipped; the
// counts replace the fuzz section of results/reliability.md.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ALLOCATION_LIMIT_BYTES, CASE_LIMIT_MS, type Finding, type Tally, caseInput, emptyTally } from '../src/harness.js';
import { TARGETS } from '../src/targets.js';

const { values, positionals } = parseArgs({
  options: { cases: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' } },
  allowPositionals: true,
});
const cases = Number(values.cases);
const seed = Number(values.seed);
const names = positionals.filter((p) => p !== '--');
const chosen = names.length > 0 ? names : Object.keys(TARGETS);

/** Seeds load and tfjs starts before the first case; after that a case has CASE_LIMIT_MS. */
const STARTUP_MS = 60_000;
const STALL_MS = 10 * CASE_LIMIT_MS;
const VITE_NODE = fileURLToPath(new URL('../node_modules/vite-node/vite-node.mjs', import.meta.url));
const CASE_SCRIPT = fileURLToPath(new URL('./case.ts', import.meta.url));

/** Runs cases [start, end) in a child; resolves with its tally, or with the case it stalled on. */
function runChild(name: string, start: number, end: number): Promise<{ tally?: Tally; stalledAt?: number; message?: string }> {
  return new Promise((done) => {
    const child = fork(VITE_NODE, [CASE_SCRIPT, '--', name, String(seed), String(start), String(end)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let current = start;
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    let timer = setTimeout(() => stall(), STARTUP_MS);
    const stall = () => {
      child.kill('SIGKILL');
      done({ stalledAt: current });
    };
    child.on('message', (message: { case?: number; tally?: Tally }) => {
      clearTimeout(timer);
      if (message.tally) return done({ tally: message.tally });
      // The first case still pays for compiling the reader's code.
      timer = setTimeout(stall, message.case === start ? STARTUP_MS : STALL_MS);
      current = message.case!;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') done({ stalledAt: current, message: `child exited with ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' ')}` });
    });
  });
}

async function runTarget(name: string): Promise<Tally> {
  const total = emptyTally(name);
  const target = TARGETS[name]();
  let start = 0;
  while (start < cases) {
    const { tally, stalledAt, message } = await runChild(name, start, cases);
    if (tally) {
      merge(total, tally);
      break;
    }
    // A stall on a machine shared with other work is tried once more alone before it counts.
    const alone = message ? undefined : await runChild(name, stalledAt!, stalledAt! + 1);
    if (alone?.tally) {
      const before = await runChild(name, start, stalledAt!);
      if (before.tally) merge(total, before.tally);
      merge(total, alone.tally);
      start = stalledAt! + 1;
      continue;
    }
    // The stalled case is counted and skipped; the cases before it are run again in the next child.
    const { kind, file } = caseInput(target, seed, stalledAt!);
    const finding: Finding = { outcome: message ? 'crash' : 'hang', caseIndex: stalledAt!, kind, file, ms: STALL_MS, message: message ?? `no answer in ${STALL_MS} ms` };
    total.tried++;
    total[finding.outcome]++;
    total.findings.push(finding);
    const rerun = await runChild(name, start, stalledAt!);
    if (rerun.tally) merge(total, rerun.tally);
    start = stalledAt! + 1;
  }
  target.dispose?.();
  return total;
}

function merge(into: Tally, from: Tally): void {
  for (const key of ['tried', 'result', 'clean', 'crash', 'hang', 'allocation'] as const) into[key] += from[key];
  if (from.slowestMs > into.slowestMs) {
    into.slowestMs = from.slowestMs;
    into.slowestCase = from.slowestCase;
  }
  into.peakRssGrowthBytes = Math.max(into.peakRssGrowthBytes, from.peakRssGrowthBytes);
  into.findings.push(...from.findings);
}

const started = Date.now();
const tallies: Tally[] = [];
for (const name of chosen) {
  const t0 = Date.now();
  const tally = await runTarget(name);
  tallies.push(tally);
  console.log(`${name}: ${JSON.stringify({ ...tally, findings: tally.findings.length })} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  for (const f of tally.findings.slice(0, 5)) console.log(`  case ${f.caseIndex} (${f.kind}, file ${f.file}): ${f.outcome}: ${f.message}`);
}

const readers = Object.fromEntries(
  chosen.map((n) => {
    const target = TARGETS[n]();
    target.dispose?.();
    return [n, target.reader];
  }),
);
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const rows = tallies.map(
  (t) =>
    `| ${t.target} | ${readers[t.target]} | ${t.tried} | ${t.clean} | ${t.result} | ${t.crash} | ${t.hang} | ${t.allocation} | ${t.slowestMs.toFixed(0)} ms (case ${t.slowestCase}) | ${mib(t.peakRssGrowthBytes)} |`,
);
const findings = tallies.flatMap((t) => t.findings.slice(0, 10).map((f) => `- ${t.target} case ${f.caseIndex} (${f.kind}): ${f.outcome}: ${f.message}`));
const section = [
  '<!-- fuzz:start -->',
  `Full run: seed ${seed}, ${cases} mutated inputs per reader, ${((Date.now() - started) / 60000).toFixed(1)} minutes on ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${mib(totalmem())} RAM, Node ${process.version}.`,
  `A case is a crash when it throws anything but the reader's own error, a hang past ${CASE_LIMIT_MS} ms (or no answer at all in ${STALL_MS} ms), an allocation when it adds more than ${mib(ALLOCATION_LIMIT_BYTES)}.`,
  '',
  '| reader | what is read | inputs | clean errors | results | crashes | hangs | allocations | slowest case | peak RSS growth |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  findings.length > 0 ? `Findings:\n\n${findings.join('\n')}` : 'No crash, hang or allocation.',
  '<!-- fuzz:end -->',
].join('\n');
const report = fileURLToPath(new URL('../results/reliability.md', import.meta.url));
const text = readFileSync(report, 'utf8');
writeFileSync(report, text.replace(/<!-- fuzz:start -->[\s\S]*<!-- fuzz:end -->/, section));
console.log(section);
