import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pthRoot } from '@condensenet/golden-fixtures';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import { unpickle } from '../pickle/unpickler.js';
import { readTorchFile } from './read.js';
import { zipEntries, zipEntryData } from './zip-format.js';

const GOLDEN = [
  'checkpoint_006.pth.tar',
  'checkpoint_006_legacy.pth.tar',
  'converted_checkpoint_006_legacy.pth.tar',
  'state_dict_plain.pth',
  'refuse_os_system.pth',
];
const FIXTURES = ['tensors.pt', 'tensors_legacy.pt', 'extras.pt', 'extras_legacy.pt', 'tensors_big_endian.pt'];
const files = new Map<string, Uint8Array>([
  ...GOLDEN.map((name): [string, Uint8Array] => [name, new Uint8Array(readFileSync(join(pthRoot, name)))]),
  ...FIXTURES.map((name): [string, Uint8Array] => [
    name,
    new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url))),
  ]),
]);
/** Long enough for a slow shared machine, far shorter than any runaway loop or allocation. */
const TIME_LIMIT_MS = 2000;

/** Reads the bytes, which must either parse or be refused with an InteropError, quickly. */
function readsOrRefuses(read: () => unknown): void {
  const started = performance.now();
  try {
    read();
  } catch (error) {
    if (!(error instanceof InteropError)) throw error;
  }
  expect(performance.now() - started).toBeLessThan(TIME_LIMIT_MS);
}

const edits = fc.array(fc.tuple(fc.oneof(fc.nat({ max: 30_000 }), fc.nat()), fc.integer({ min: 0, max: 255 })), {
  minLength: 1,
  maxLength: 8,
});

function mutate(bytes: Uint8Array, changes: [number, number][], cut: number | null, insert: number | null): Uint8Array {
  let out = bytes.slice();
  for (const [position, value] of changes) out[position % out.length] = value;
  if (insert !== null) {
    const at = insert % out.length;
    out = Uint8Array.from([...out.subarray(0, at), changes[0][1], ...out.subarray(at)]);
  }
  return cut === null ? out : out.subarray(0, cut % (out.length + 1));
}

describe('mutated files are read or refused with an InteropError, never anything else', () => {
  it('for bytes changed, inserted or cut anywhere in real torch files', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...files.keys()),
        edits,
        fc.option(fc.nat()),
        fc.option(fc.nat()),
        (name, changes, cut, insert) => {
          const bytes = mutate(files.get(name) as Uint8Array, changes, cut, insert);
          readsOrRefuses(() => readTorchFile(bytes, name));
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);

  it('for changes to the pickle of a zip file, zipped again so they reach the unpickler', () => {
    const zips = ['checkpoint_006.pth.tar', 'state_dict_plain.pth', 'extras.pt', 'tensors.pt'].map((name) => {
      const bytes = files.get(name) as Uint8Array;
      const records = Object.fromEntries(
        [...zipEntries(bytes, name)].map(([entry, info]) => [entry, zipEntryData(bytes, info, name)]),
      );
      const pickleName = Object.keys(records).find((entry) => entry.endsWith('/data.pkl')) as string;
      return { name, records, pickleName };
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...zips),
        edits,
        fc.option(fc.nat()),
        fc.option(fc.nat()),
        ({ name, records, pickleName }, changes, cut, insert) => {
          const pickle = mutate(records[pickleName], changes, cut, insert);
          const bytes = zipSync({ ...records, [pickleName]: pickle }, { level: 0 });
          readsOrRefuses(() => readTorchFile(bytes, name));
        },
      ),
      { numRuns: 200 },
    );
  }, 60_000);

  it('for arbitrary short byte strings given to the unpickler', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (tail, framed) => {
        const bytes = framed ? Uint8Array.of(0x80, 4, ...tail) : tail;
        readsOrRefuses(() => unpickle(bytes, { source: 'random.pkl', persistentLoad: (pid) => pid }));
      }),
      { numRuns: 2000 },
    );
  }, 60_000);
});
