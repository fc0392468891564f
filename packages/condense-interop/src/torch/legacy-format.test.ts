import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pthRoot } from '@condensenet/golden-fixtures';
import { describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import { OP } from '../pickle/opcodes.js';
import { readPickle } from '../pickle/unpickler.js';
import { readLegacyCheckpoint } from './legacy-format.js';
import { ElementBudget, parseStorageId, storageHandle, TorchStorage } from './storage.js';

const LEGACY = 'checkpoint_006_legacy.pth.tar';
const bytes = new Uint8Array(readFileSync(join(pthRoot, LEGACY)));

/** Where the storage key list starts and ends, and the keys (read with the VM itself). */
function layout(file: Uint8Array): { keysStart: number; dataStart: number; keys: string[] } {
  let at = 0;
  for (let i = 0; i < 3; i++) at = readPickle(file, at, { source: 'l' }).end;
  const persistentLoad = (pid: Parameters<typeof parseStorageId>[0]) => {
    const { key, dtype, numel } = parseStorageId(pid, 'legacy', 'l');
    return storageHandle(new TorchStorage(key, dtype, numel, new ElementBudget(Infinity, 'l'), 'l'));
  };
  const keysStart = readPickle(file, at, { source: 'l', persistentLoad }).end;
  const { value, end } = readPickle(file, keysStart, { source: 'l' });
  return { keysStart, dataStart: end, keys: value as string[] };
}

function refusal(file: Uint8Array): string {
  try {
    readLegacyCheckpoint(file, 'test.pt');
  } catch (error) {
    expect(error).toBeInstanceOf(InteropError);
    return (error as InteropError).message;
  }
  throw new Error('expected an InteropError');
}

function withCount(count: bigint): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setBigInt64(layout(bytes).dataStart, count, true);
  return copy;
}

/** The file with its storage key list replaced by `pickle`. */
function withKeyPickle(pickle: Uint8Array): Uint8Array {
  const { keysStart, dataStart } = layout(bytes);
  const out = new Uint8Array(bytes.length - (dataStart - keysStart) + pickle.length);
  out.set(bytes.subarray(0, keysStart));
  out.set(pickle, keysStart);
  out.set(bytes.subarray(dataStart), keysStart + pickle.length);
  return out;
}

function withKeys(keys: string[]): Uint8Array {
  const encoded = keys.flatMap((key) => {
    const utf8 = new TextEncoder().encode(key);
    return [OP.SHORT_BINUNICODE, utf8.length, ...utf8];
  });
  return withKeyPickle(Uint8Array.of(OP.PROTO, 2, OP.MARK, ...encoded, OP.LIST, OP.STOP));
}

describe('legacy torch files', () => {
  const { dataStart, keys } = layout(bytes);

  it('reads the storages after the key list, in its order', () => {
    const root = readLegacyCheckpoint(bytes, LEGACY) as Map<string, unknown>;
    expect(root.get('epoch')).toBe(6);
    expect(keys.length).toBe(139);
    expect(dataStart).toBeGreaterThan(20_000);
  });

  it('refuses an element count of 2^40 before allocating anything', () => {
    expect(refusal(withCount(2n ** 40n))).toMatch(
      new RegExp(
        `^test\\.pt: storage '${keys[0]}' at offset ${dataStart} claims 1099511627776 \\w+ elements \\(\\d+ bytes\\), only \\d+ bytes remain$`,
      ),
    );
    expect(refusal(withCount(-1n))).toMatch(/claims -1 \w+ elements/);
  });

  it("refuses a count that is not the persistent id's", () => {
    const numel = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigInt64(dataStart, true));
    expect(refusal(withCount(BigInt(numel - 1)))).toBe(
      `test.pt: storage '${keys[0]}' holds ${numel - 1} elements, its persistent id says ${numel}`,
    );
  });

  it('refuses every truncation', () => {
    const cuts = [
      ...Array.from({ length: 80 }, (_, i) => Math.floor((i * bytes.length) / 80)),
      dataStart,
      dataStart + 4,
      bytes.length - 1,
    ];
    for (const cut of cuts) expect(refusal(bytes.subarray(0, cut))).toMatch(/^test\.pt: /);
  });

  it('refuses a wrong magic number or protocol version', () => {
    const magic = bytes.slice();
    magic[4] ^= 1;
    expect(refusal(magic)).toMatch(/a pickle, but without torch's magic number/);
    const version = bytes.slice();
    const versionAt = readPickle(bytes, 0, { source: 'l' }).end;
    expect([...version.subarray(versionAt, versionAt + 5)]).toEqual([OP.PROTO, 2, OP.BININT2, 0xe9, 0x03]);
    version[versionAt + 3] = 0xea;
    expect(refusal(version)).toBe('test.pt: legacy torch protocol version int; 1001 expected');
  });

  it('refuses a storage list that misses, repeats or invents keys', () => {
    expect(refusal(withKeys([]))).toMatch(/^test\.pt: storage '\d+' is used by a tensor but missing from the storage list$/);
    expect(refusal(withKeys(['nope']))).toBe("test.pt: the storage list names 'nope', which no tensor uses");
    expect(refusal(withKeys([keys[0], keys[0]]))).toBe(`test.pt: the storage list names '${keys[0]}' twice`);
  });

  it('refuses a key list that is not one', () => {
    expect(refusal(withKeyPickle(Uint8Array.of(OP.PROTO, 2, OP.NONE, OP.STOP)))).toBe(
      'test.pt: the legacy storage key list is None, not a list of str',
    );
  });

  it('refuses storage views of torch < 0.4', () => {
    const copy = bytes.slice();
    // The first persistent id ends with its view_metadata: NONE, TUPLE, BINPUT n, BINPERSID.
    for (let i = 0; i < copy.length; i++) {
      if (copy[i] === OP.NONE && copy[i + 1] === OP.TUPLE && copy[i + 2] === OP.BINPUT && copy[i + 4] === OP.BINPERSID) {
        copy[i] = OP.NEWTRUE;
        break;
      }
    }
    expect(refusal(copy)).toMatch(/storage '\d+' is a storage view \(torch < 0\.4\), which is not supported/);
  });
});
