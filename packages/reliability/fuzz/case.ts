// One reader's share of the full run, in a process of its own: `vite-node fuzz/case.ts -- NAME
// SEED START END`. It tells its parent (fuzz/run.ts) of each case before running it, so a case
// that never returns is known by number, and sends its tally at the end.
import { emptyTally, runCases } from '../src/harness.js';
import { TARGETS } from '../src/targets.js';

const [name, seed, start, end] = process.argv.slice(-4);
const target = TARGETS[name]();
const send = (message: unknown) => new Promise((done) => process.send!(message, done));
const tally = await runCases(target, Number(seed), Number(start), Number(end), emptyTally(name), (i) => process.send!({ case: i }));
target.dispose?.();
await send({ tally });
process.exit(0);
