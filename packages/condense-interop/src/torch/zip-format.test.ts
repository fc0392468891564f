import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pthRoot } from '@condensenet/golden-fixtures';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import { readZipCheckpoint, zipEntries, zipEntryData } from './zip-format.js';

const golden = (name: string): Uint8Array => new Uint8Array(readFileSync(join(pthRoot, name)));
const PLAIN = 'state_dict_plain.pth';

/** Every record of a zip, by name. */
function records(bytes: Uint8Array): Record<string, Uint8Array> {
  return Object.fromEntries([...zipEntries(bytes, 'in')].map(([name, entry]) => [name, zipEntryData(bytes, entry, 'in')]));
}

/** A stored zip of the given records, as fflate writes one. */
function rezip(files: Record<string, Uint8Array>): Uint8Array {
  return zipSync(files, { level: 0 });
}

function refusal(bytes: Uint8Array): string {
  try {
    readZipCheckpoint(bytes, 'test.pt');
  } catch (error) {
    expect(error).toBeInstanceOf(InteropError);
    return (error as InteropError).message;
  }
  throw new Error('expected an InteropError');
}

function indexOf(haystack: Uint8Array, needle: number[], from = 0): number {
  for (let i = from; i + needle.length <= haystack.length; i++) {
    if (needle.every((byte, k) => haystack[i + k] === byte)) return i;
  }
  throw new Error(`[${needle}] not found`);
}

/** Where the central directory header of `name` starts. */
function centralHeader(bytes: Uint8Array, name: string): number {
  const encoded = [...new TextEncoder().encode(name)];
  for (let at = indexOf(bytes, [0x50, 0x4b, 0x01, 0x02]); ; at = indexOf(bytes, [0x50, 0x4b, 0x01, 0x02], at + 4)) {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    if (view.getUint16(at + 28, true) === encoded.length && encoded.every((byte, k) => bytes[at + 46 + k] === byte)) return at;
  }
}

/** A state_dict's (key, tensor) pairs in order: cheaper to compare than the Map itself. */
function entriesOf(stateDict: unknown): unknown[] {
  expect(stateDict).toBeInstanceOf(Map);
  return [...(stateDict as Map<unknown, unknown>)];
}

function patched(bytes: Uint8Array, patch: (copy: Uint8Array, view: DataView) => void): Uint8Array {
  const copy = bytes.slice();
  patch(copy, new DataView(copy.buffer));
  return copy;
}

describe('zip container', () => {
  it("lists torch's records, stored, behind a zip64 end record", () => {
    const bytes = golden('checkpoint_006.pth.tar');
    const entries = zipEntries(bytes, 'checkpoint_006.pth.tar');
    expect(entries.size).toBe(141);
    expect(entries.get('checkpoint_006.pth/data/0')).toMatchObject({ method: 0, size: 864, compressedSize: 864 });
    expect(new TextDecoder().decode(zipEntryData(bytes, entries.get('checkpoint_006.pth/version') as never, 'c'))).toBe('3\n');
  });

  it('reads what another zip writer wrote, deflated records too', () => {
    const files = records(golden(PLAIN));
    const original = entriesOf(readZipCheckpoint(golden(PLAIN), PLAIN));
    expect(entriesOf(readZipCheckpoint(rezip(files), 'stored.pt'))).toEqual(original);
    expect(entriesOf(readZipCheckpoint(zipSync(files, { level: 6 }), 'deflated.pt'))).toEqual(original);
  });

  it('refuses every truncation', () => {
    const bytes = golden(PLAIN);
    const cuts = [
      ...Array.from({ length: 60 }, (_, i) => Math.floor((i * bytes.length) / 60)),
      ...Array.from({ length: 64 }, (_, i) => bytes.length - 1 - i),
    ];
    for (const cut of cuts) expect(refusal(bytes.subarray(0, cut))).toMatch(/^test\.pt: zip /);
  });

  it('refuses a corrupt record by its CRC-32', () => {
    const bytes = golden(PLAIN);
    const entry = zipEntries(bytes, 'p').get('state_dict_plain/data/0');
    if (!entry) throw new Error('no data/0');
    const corrupt = patched(bytes, (copy) => {
      copy[indexOf(copy, [...new TextEncoder().encode('state_dict_plain/data/0')], entry.localHeader) + 100] ^= 1;
    });
    expect(refusal(corrupt)).toBe("test.pt: zip entry 'state_dict_plain/data/0' is corrupt (its CRC-32 does not match)");
  });

  it('refuses an entry count the central directory cannot hold, at once', () => {
    const bytes = patched(golden(PLAIN), (copy, view) => {
      view.setUint32(indexOf(copy, [0x50, 0x4b, 0x06, 0x06]) + 32, 0xffffffff, true);
    });
    const started = performance.now();
    expect(refusal(bytes)).toMatch(/zip central directory of \d+ bytes cannot hold the 4294967295 entries it claims/);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('refuses offsets and sizes past the end of the file', () => {
    const bytes = golden(PLAIN);
    const pickle = centralHeader(bytes, 'state_dict_plain/data.pkl');
    const directory = patched(bytes, (copy, view) =>
      view.setUint32(indexOf(copy, [0x50, 0x4b, 0x06, 0x06]) + 48, 0x7fffffff, true),
    );
    expect(refusal(directory)).toMatch(/zip central directory \(offset 2147483647, \d+ bytes\) runs past its end record/);
    const sizes = patched(bytes, (_, view) => {
      view.setUint32(pickle + 20, 0x7fffffff, true);
      view.setUint32(pickle + 24, 0x7fffffff, true);
    });
    expect(refusal(sizes)).toMatch(
      /zip entry 'state_dict_plain\/data\.pkl' claims 2147483647 bytes at offset \d+, past the end of the file/,
    );
    const unequal = patched(bytes, (_, view) => view.setUint32(pickle + 24, 5, true));
    expect(refusal(unequal)).toMatch(/is stored but declares 5 bytes in \d+/);
    const header = patched(bytes, (_, view) => view.setUint32(pickle + 42, 7, true));
    expect(refusal(header)).toBe("test.pt: zip entry 'state_dict_plain/data.pkl': no local header at offset 7");
  });

  it('refuses a deflated entry declaring more than deflate could produce, before allocating it', () => {
    const deflated = zipSync({ 'a/data.pkl': new Uint8Array(1000) }, { level: 9 });
    const bomb = patched(deflated, (_, view) => view.setUint32(centralHeader(deflated, 'a/data.pkl') + 24, 0xfffffff0, true));
    expect(refusal(bomb)).toMatch(
      /zip entry 'a\/data\.pkl' declares 4294967280 bytes from \d+ compressed, more than deflate can produce/,
    );
    const short = patched(deflated, (_, view) => view.setUint32(centralHeader(deflated, 'a/data.pkl') + 24, 999, true));
    expect(refusal(short)).toBe("test.pt: zip entry 'a/data.pkl' is corrupt (its CRC-32 does not match)");
  });

  it('refuses unknown compression, encryption and duplicate names', () => {
    const bytes = golden(PLAIN);
    const pickle = centralHeader(bytes, 'state_dict_plain/data.pkl');
    expect(refusal(patched(bytes, (_, view) => view.setUint16(pickle + 10, 12, true)))).toMatch(
      /uses compression method 12; torch stores records \(0\)/,
    );
    expect(refusal(patched(bytes, (_, view) => view.setUint16(pickle + 8, 1, true)))).toBe(
      "test.pt: zip entry 'state_dict_plain/data.pkl' is encrypted",
    );
    const twice = patched(bytes, (copy) => {
      copy[centralHeader(bytes, 'state_dict_plain/data/1') + 46 + 'state_dict_plain/data/'.length] = 0x30;
    });
    expect(refusal(twice)).toBe("test.pt: zip archive has two entries named 'state_dict_plain/data/0'");
  });

  it('refuses a zip without an end record', () => {
    expect(refusal(Uint8Array.of(0x50, 0x4b, 3, 4, ...new Uint8Array(40)))).toBe(
      'test.pt: zip archive without an end-of-central-directory record: the file is truncated or corrupt',
    );
  });
});

describe('torch zip records', () => {
  const files = records(golden(PLAIN));
  const without = (name: string) => Object.fromEntries(Object.entries(files).filter(([key]) => key !== name));

  it('finds the checkpoint under any folder name', () => {
    const renamed = Object.fromEntries(
      Object.entries(files).map(([name, data]) => [name.replace('state_dict_plain/', 'archive/'), data]),
    );
    expect(entriesOf(readZipCheckpoint(rezip(renamed), 'renamed.pt'))).toEqual(
      entriesOf(readZipCheckpoint(golden(PLAIN), PLAIN)),
    );
  });

  it('refuses a zip without data.pkl, listing what it holds', () => {
    expect(refusal(rezip({ 'weights/a.npy': new Uint8Array(3), 'weights/b.npy': new Uint8Array(3) }))).toBe(
      "test.pt: a zip archive without a '<folder>/data.pkl' record, so not a torch checkpoint (it holds 2 entries: 'weights/a.npy', 'weights/b.npy')",
    );
    expect(refusal(rezip(without('state_dict_plain/data.pkl')))).toMatch(
      /without a '<folder>\/data\.pkl' record.*it holds 99 entries: 'state_dict_plain\/data\/0', .*, \.\.\.\)$/,
    );
    expect(refusal(rezip({ 'a/b/data.pkl': files['state_dict_plain/data.pkl'] }))).toMatch(
      /without a '<folder>\/data\.pkl' record/,
    );
  });

  it('refuses two checkpoints in one zip, and TorchScript archives', () => {
    const pickle = files['state_dict_plain/data.pkl'];
    expect(refusal(rezip({ 'a/data.pkl': pickle, 'b/data.pkl': pickle }))).toBe(
      'test.pt: a zip archive with 2 data.pkl records (a, b); a torch checkpoint has one',
    );
    expect(refusal(rezip({ ...files, 'state_dict_plain/constants.pkl': new Uint8Array(1) }))).toMatch(
      /a TorchScript archive \(torch\.jit\.save\)/,
    );
    expect(refusal(rezip({ ...files, 'state_dict_plain/code/__torch__.py': new Uint8Array(1) }))).toMatch(
      /a TorchScript archive/,
    );
  });

  it('refuses a storage whose record is missing, or holds fewer bytes than its elements', () => {
    expect(refusal(rezip(without('state_dict_plain/data/5')))).toBe(
      "test.pt: the pickle names storage '5', but there is no record 'state_dict_plain/data/5'",
    );
    const short = rezip({ ...files, 'state_dict_plain/data/0': files['state_dict_plain/data/0'].subarray(0, 800) });
    expect(refusal(short)).toBe("test.pt: storage 'data/0' holds 800 bytes; 216 float32 elements need 864");
  });

  it('refuses a tensor reaching past its storage', () => {
    const pickle = files['state_dict_plain/data.pkl'].slice();
    // The first tensor's size tuple (8, 3, 3, 3): MARK, BININT1 8, BININT1 3 (x3), TUPLE.
    pickle[indexOf(pickle, [0x28, 0x4b, 8, 0x4b, 3, 0x4b, 3, 0x4b, 3, 0x74]) + 2] = 9;
    expect(refusal(rezip({ ...files, 'state_dict_plain/data.pkl': pickle }))).toBe(
      "test.pt: storage 'data/0' holds 216 elements, tensor [9,3,3,3] with strides [27,9,3,1] at offset 0 needs 243",
    );
  });

  it("honours the byteorder record, refusing what is neither 'little' nor 'big'", () => {
    const little = readZipCheckpoint(rezip({ ...files, 'state_dict_plain/byteorder': new TextEncoder().encode('little') }), 'l');
    expect(entriesOf(little)).toEqual(entriesOf(readZipCheckpoint(golden(PLAIN), PLAIN)));
    expect(refusal(rezip({ ...files, 'state_dict_plain/byteorder': new TextEncoder().encode('middle') }))).toBe(
      "test.pt: record 'byteorder' says 'middle'; 'little' or 'big' expected",
    );
  });
});
