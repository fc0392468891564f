// Crash safety in a loop: `node crash/kill-loop.mjs [--kills N] [--seed S]` (after building the
// CLI). Kills `condense train` with SIGKILL at random moments and resumes it each time, then
// kills `convert`, `import` and `export` mid-write. After every kill each file on disk must
// decode and be either its previous complete version or the new one; every resume must work;
// the resumed run must end with the weights of an uninterrupted one. The figures replace the
// crash section of results/reliability.md. Runs on the cpu backend, one worker, a tiny model.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pthRoot } from '@condensenet/golden-fixtures';
import { readReferenceFile } from '@condensenet/interop';
import { loadCondenseNet } from '@condensenet/layers';
import { fileHandler } from '@condensenet/layers/node';
import { decodeArtifact } from '@condensenet/runtime';
import { readCheckpoint } from '@condensenet/train';
import '@tensorflow/tfjs-backend-cpu';
import { PNG } from 'pngjs';

const { values } = parseArgs({ options: { kills: { type: 'string', default: '50' }, seed: { type: 'string', default: '11' } } });
const KILLS = Number(values.kills);
let state = Number(values.seed) >>> 0;
/** Moments of the kills come from a seeded generator, so a failing run can be replayed. */
const random = () => {
  state = (state * 1664525 + 1013904223) >>> 0;
  return state / 2 ** 32;
};

const CLI = fileURLToPath(new URL('../../../apps/cli/dist/bin.js', import.meta.url));
const TRAIN = ['train', '--stages', '1-1-1', '--growth', '4-4-4', '--train-limit', '128', '--test-limit', '32', '--epochs', '2', '-b', '32', '--backend', 'cpu', '--workers', '1', '--seed', '5'];
const work = mkdtempSync(join(tmpdir(), 'condense-kill-'));
const problems = [];
const leftovers = new Set();

/** Runs the CLI; with `killAfterMs`, SIGKILLs it then unless it has ended. */
function cli(args, killAfterMs) {
  return new Promise((done) => {
    const started = performance.now();
    // `condense` relaunches itself with a tuned malloc; a kill of the launcher alone leaves the
    // relaunched process writing on, so the whole process group is killed, as a crash would.
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (c) => (stderr = (stderr + c).slice(-3000)));
    const timer =
      killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            killed = true;
            process.kill(-child.pid, 'SIGKILL');
          }, killAfterMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, killed, ms: performance.now() - started, stderr });
    });
  });
}

const files = (dir) =>
  existsSync(dir) ? readdirSync(dir, { recursive: true }).filter((f) => statSync(join(dir, f)).isFile()).sort() : [];

/** Decodes every file of a run or model directory the way its reader does; returns what failed. */
async function undecodable(dir) {
  const failed = [];
  const check = async (file, read) => {
    if (!existsSync(join(dir, file))) return;
    try {
      await read(join(dir, file));
    } catch (e) {
      failed.push(`${file}: ${e.message.slice(0, 200)}`);
    }
  };
  await check('last.ckpt', readCheckpoint);
  await check('log.jsonl', (f) => {
    const epochs = readFileSync(f, 'utf8').trimEnd().split('\n').filter(Boolean).map((line) => JSON.parse(line).epoch);
    if (epochs.some((e, i) => e !== i + 1)) throw new Error(`epochs ${epochs.join(',')} are not 1, 2, ... once each`);
  });
  await check('learning-curve.png', (f) => PNG.sync.read(readFileSync(f)));
  for (const model of ['', 'condensed']) {
    await check(join(model, 'model.cnn.json'), (f) => decodeArtifact(readFileSync(f), readFileSync(join(dir, model, 'model.cnn.bin'))));
    await check(join(model, 'model.json'), async () => (await loadCondenseNet(fileHandler(join(dir, model)))).dispose());
  }
  for (const f of files(dir).filter((f) => /\.(pth|safetensors)$/.test(f))) await check(f, (p) => readReferenceFile(readFileSync(p), p));
  // A writer's temporary file left by a kill is litter, not damage: counted, not failed.
  for (const f of files(dir).filter((f) => /\.tmp/.test(f))) leftovers.add(join(dir, f));
  return failed;
}

function maxDifference(a, b) {
  let max = 0;
  const byName = new Map(b.map((t) => [t.name, t]));
  for (const t of a) {
    const u = byName.get(t.name);
    if (!u || u.values.length !== t.values.length) return Number.POSITIVE_INFINITY;
    for (let i = 0; i < t.values.length; i++) max = Math.max(max, Math.abs(t.values[i] - u.values[i]));
  }
  return a.length === b.length ? max : Number.POSITIVE_INFINITY;
}

// 1. The uninterrupted run, the reference for the weights and for how long a run takes.
const reference = join(work, 'reference');
const plain = await cli([...TRAIN, '--out', reference]);
if (plain.code !== 0) throw new Error(`the uninterrupted run failed: ${plain.stderr}`);
const runMs = plain.ms;

// 2. Training killed at random moments, resumed each time, until it finishes.
const train = { kills: 0, resumes: 0, failedResumes: 0, runs: 0, killsPerRun: [], maxDiff: [], exact: 0 };
while (train.kills < KILLS) {
  const out = join(work, `run-${train.runs++}`);
  const killsBefore = train.kills;
  for (;;) {
    const resume = existsSync(join(out, 'last.ckpt'));
    const killAt = train.kills < KILLS ? 300 + random() * runMs : undefined;
    const run = await cli([...TRAIN, '--out', out, ...(resume ? ['--resume'] : [])], killAt);
    if (resume) train.resumes++;
    if (run.killed) {
      train.kills++;
      const bad = await undecodable(out);
      if (bad.length > 0) problems.push(`train kill ${train.kills} at ${killAt.toFixed(0)} ms: ${bad.join('; ')}`);
      continue;
    }
    if (run.code !== 0) {
      train.failedResumes++;
      problems.push(`train ${resume ? '--resume' : 'start'} exited ${run.code}: ${run.stderr.trim().split('\n').slice(-2).join(' ')}`);
      break;
    }
    const bad = await undecodable(out);
    if (bad.length > 0) problems.push(`finished run ${out}: ${bad.join('; ')}`);
    const a = readCheckpoint(join(reference, 'last.ckpt'));
    const b = readCheckpoint(join(out, 'last.ckpt'));
    const diff = Math.max(maxDifference(a.weights, b.weights), maxDifference(a.optimizer, b.optimizer));
    train.maxDiff.push(diff);
    train.killsPerRun.push(train.kills - killsBefore);
    if (diff === 0) train.exact++;
    break;
  }
}

// 3. convert, import and export killed mid-write over a previous, different version of their output.
const golden = join(pthRoot, 'converted_checkpoint_006.pth.tar');
const goldenModel = join(work, 'golden-model');
const ckpt = join(reference, 'last.ckpt');
await cli(['import', golden, '--data', 'cifar10', '--out', goldenModel]);
const ours = join(reference, 'condensed');
/** Each writer, and how its output directory looked before: another model's files under the same names. */
const writers = [
  { name: 'convert', args: (out) => ['convert', ckpt, '--out', out], previous: (dir) => cpSync(goldenModel, dir, { recursive: true }) },
  { name: 'import', args: (out) => ['import', golden, '--data', 'cifar10', '--out', out], previous: (dir) => cpSync(ours, dir, { recursive: true }) },
  ...['pytorch', 'safetensors'].map((format) => {
    const file = format === 'pytorch' ? 'model.pth' : 'model.safetensors';
    return {
      name: `export --format ${format}`,
      args: (out) => ['export', ours, '--format', format, '--out', join(out, file)],
      previous: (dir) => cli(['export', goldenModel, '--format', format, '--out', join(dir, file)]),
    };
  }),
];
const writes = [];
for (const [i, w] of writers.entries()) {
  const previous = join(work, `previous-${i}`);
  const next = join(work, `next-${i}`);
  mkdirSync(previous, { recursive: true });
  mkdirSync(next, { recursive: true });
  await w.previous(previous);
  const complete = await cli(w.args(next));
  if (complete.code !== 0) throw new Error(`${w.name} failed: ${complete.stderr}`);
  const tally = { writer: w.name, kills: 0, previousKept: 0, newComplete: 0, torn: 0, ms: complete.ms };
  for (let k = 0; k < 10; k++) {
    const out = join(work, `killed-${i}`);
    rmSync(out, { recursive: true, force: true });
    cpSync(previous, out, { recursive: true });
    const run = await cli(w.args(out), 100 + random() * complete.ms);
    if (run.killed) tally.kills++;
    for (const f of files(next)) {
      const now = existsSync(join(out, f)) ? readFileSync(join(out, f)) : undefined;
      const before = existsSync(join(previous, f)) ? readFileSync(join(previous, f)) : undefined;
      if (now === undefined ? before === undefined : before?.equals(now)) tally.previousKept++;
      else if (now?.equals(readFileSync(join(next, f)))) tally.newComplete++;
      else {
        tally.torn++;
        problems.push(`${tally.writer} killed at k=${k}: ${f} is neither its previous nor its new version`);
      }
    }
    const bad = await undecodable(out);
    if (bad.length > 0) problems.push(`${tally.writer} killed at k=${k}: ${bad.join('; ')}`);
  }
  writes.push(tally);
}
rmSync(work, { recursive: true, force: true });

const exactRuns = `${train.exact} of ${train.maxDiff.length}`;
const section = [
  '<!-- crash:start -->',
  `\`node crash/kill-loop.mjs --kills ${KILLS} --seed ${values.seed}\` on ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}: \`condense ${TRAIN.join(' ')}\` (an uninterrupted run takes ${(runMs / 1000).toFixed(1)} s) killed with SIGKILL at uniform random moments in [0.3 s, ${(runMs / 1000 + 0.3).toFixed(1)} s], resumed with \`--resume\` each time (a fresh start while no checkpoint exists yet).`,
  '',
  '| training | |',
  '|---|---|',
  `| kills | ${train.kills} |`,
  `| resumes | ${train.resumes}, of which failed: ${train.failedResumes} |`,
  `| runs, each killed and resumed until it finished | ${train.maxDiff.length} (kills per run: ${train.killsPerRun.join(', ')}) |`,
  `| final checkpoints bit-identical to the uninterrupted run (weights and optimizer buffers) | ${exactRuns}; max difference ${Math.max(0, ...train.maxDiff)} |`,
  '',
  '| writer killed mid-write (10 times each) | kills landed | files found previous | files found new | torn files | complete run |',
  '|---|---|---|---|---|---|',
  ...writes.map((w) => `| ${w.writer} | ${w.kills} | ${w.previousKept} | ${w.newComplete} | ${w.torn} | ${(w.ms / 1000).toFixed(1)} s |`),
  '',
  `Temporary files left behind by killed writers (never read, never cleaned up): ${leftovers.size}${leftovers.size > 0 ? `, e.g. \`${[...leftovers][0].slice(work.length + 1)}\`` : ''}.`,
  '',
  problems.length > 0 ? `Problems:\n\n${problems.map((p) => `- ${p}`).join('\n')}` : 'Every file decoded after every kill; no problem found.',
  '<!-- crash:end -->',
].join('\n');
const report = fileURLToPath(new URL('../results/reliability.md', import.meta.url));
writeFileSync(report, readFileSync(report, 'utf8').replace(/<!-- crash:start -->[\s\S]*<!-- crash:end -->/, section));
console.log(section);
process.exit(problems.length > 0 ? 1 : 0);
