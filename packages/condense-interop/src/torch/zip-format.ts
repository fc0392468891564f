import { inflateSync } from 'fflate';
import { InteropError } from '../errors.js';
import { unpickle } from '../pickle/unpickler.js';
import type { Unpickled } from '../pickle/values.js';
import { crc32 } from './crc32.js';
import { ElementBudget, parseStorageId, storageHandle, TorchStorage } from './storage.js';
import type { PickleValue } from './types.js';
import { CENTRAL_HEADER, CENTRAL_HEADER_SIZE, END_OF_CENTRAL_DIRECTORY, END_RECORD_SIZE, LOCAL_HEADER, LOCAL_HEADER_SIZE } from './zip-records.js';

/**
 * torch's zip format (torch >= 1.6): records `<folder>/data.pkl` (the pickle),
 * `<folder>/data/<key>` (each storage's raw bytes, stored uncompressed), and optionally
 * `<folder>/byteorder` ('little' or 'big') and `<folder>/version`.
 *
 * The zip is read here rather than with fflate's unzipSync: that trusts the central
 * directory's entry count (a hostile zip64 count of 2^32 spins for many minutes) and its offsets
 * (a lying one silently yields short data). Every field is checked against the file; only
 * inflating a (non-torch) deflated record is left to fflate, into a buffer of the declared
 * size that deflate could actually produce from the compressed bytes.
 */
export function readZipCheckpoint(bytes: Uint8Array, source: string): PickleValue {
  const entries = zipEntries(bytes, source);
  const folder = checkpointFolder(entries, source);
  const record = (name: string): ZipEntry | undefined => entries.get(`${folder}/${name}`);
  const byteOrder = readByteOrder(bytes, record('byteorder'), source);
  const budget = new ElementBudget(bytes.length, source);
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: Unpickled): Unpickled => {
    const { dtype, key, numel } = parseStorageId(pid, 'zip', source);
    let storage = storages.get(key);
    if (storage === undefined) {
      const entry = record(`data/${key}`);
      if (entry === undefined)
        throw new InteropError(source, `the pickle names storage '${key}', but there is no record '${folder}/data/${key}'`);
      storage = new TorchStorage(`data/${key}`, dtype, numel, budget, source);
      storage.load(zipEntryData(bytes, entry, source), byteOrder);
      storages.set(key, storage);
    } else if (storage.dtype !== dtype || storage.numel !== numel) {
      throw new InteropError(source, `storage '${key}' is named as ${storage.numel} ${storage.dtype} and as ${numel} ${dtype}`);
    }
    return storageHandle(storage);
  };
  const pickle = zipEntryData(bytes, record('data.pkl') as ZipEntry, source);
  return unpickle(pickle, { source, persistentLoad });
}

/** The one folder holding a data.pkl: torch names it after the file it saved to, so it is anything. */
function checkpointFolder(entries: Map<string, ZipEntry>, source: string): string {
  const folders = [...entries.keys()]
    .filter((name) => /^[^/]+\/data\.pkl$/.test(name))
    .map((name) => name.slice(0, name.indexOf('/')));
  if (folders.length === 0) {
    const names = [...entries.keys()];
    const listed = names
      .slice(0, 5)
      .map((name) => `'${name}'`)
      .join(', ');
    throw new InteropError(
      source,
      `a zip archive without a '<folder>/data.pkl' record, so not a torch checkpoint (it holds ${names.length} entries${names.length > 0 ? `: ${listed}${names.length > 5 ? ', ...' : ''}` : ''})`,
    );
  }
  if (folders.length > 1)
    throw new InteropError(
      source,
      `a zip archive with ${folders.length} data.pkl records (${folders.join(', ')}); a torch checkpoint has one`,
    );
  const [folder] = folders;
  if (entries.has(`${folder}/constants.pkl`) || [...entries.keys()].some((name) => name.startsWith(`${folder}/code/`))) {
    throw new InteropError(
      source,
      "a TorchScript archive (torch.jit.save), whose pickle needs TorchScript's classes; load it with torch.jit.load and torch.save its state_dict() instead",
    );
  }
  return folder;
}

function readByteOrder(bytes: Uint8Array, entry: ZipEntry | undefined, source: string): 'little' | 'big' {
  if (entry === undefined) return 'little';
  const text = new TextDecoder().decode(zipEntryData(bytes, entry, source)).trim();
  if (text !== 'little' && text !== 'big')
    throw new InteropError(source, `record 'byteorder' says '${text.slice(0, 20)}'; 'little' or 'big' expected`);
  return text;
}

export interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeader: number;
}

const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
/** A field that says its real value is in the zip64 extra field. */
const ZIP64_SENTINEL = 0xffffffff;
/** Deflate's best ratio is 1032:1: a larger declared size is a lie. */
const DEFLATE_MAX_RATIO = 1032;

/** A little-endian field reader that refuses to read past `end`. */
function fields(bytes: Uint8Array, source: string) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const check = (at: number, size: number, what: string): void => {
    if (!(at >= 0 && at + size <= bytes.length))
      throw new InteropError(source, `zip ${what} at offset ${at} lies past the end of the file (${bytes.length} bytes)`);
  };
  return {
    u16(at: number, what: string): number {
      check(at, 2, what);
      return view.getUint16(at, true);
    },
    u32(at: number, what: string): number {
      check(at, 4, what);
      return view.getUint32(at, true);
    },
    u64(at: number, what: string): number {
      check(at, 8, what);
      return view.getUint32(at + 4, true) * 2 ** 32 + view.getUint32(at, true);
    },
  };
}

/** The archive's entries by name, from its central directory, every offset and count checked against the file. */
export function zipEntries(bytes: Uint8Array, source: string): Map<string, ZipEntry> {
  const { u16, u32, u64 } = fields(bytes, source);
  const end = findEndOfCentralDirectory(bytes, source);
  let count = u16(end + 10, 'entry count');
  let directorySize = u32(end + 12, 'central directory size');
  let directoryOffset = u32(end + 16, 'central directory offset');
  let directoryLimit = end;
  if (end >= 20 && u32(end - 20, 'zip64 locator') === ZIP64_LOCATOR) {
    const zip64End = u64(end - 12, 'zip64 end record offset');
    if (!(zip64End + 56 <= end - 20) || u32(zip64End, 'zip64 end record') !== ZIP64_END_OF_CENTRAL_DIRECTORY) {
      throw new InteropError(source, `zip64 end-of-central-directory record expected at offset ${zip64End}`);
    }
    count = u64(zip64End + 32, 'zip64 entry count');
    directorySize = u64(zip64End + 40, 'zip64 central directory size');
    directoryOffset = u64(zip64End + 48, 'zip64 central directory offset');
    directoryLimit = zip64End;
  }
  const directoryEnd = directoryOffset + directorySize;
  if (!(directoryEnd <= directoryLimit)) {
    throw new InteropError(
      source,
      `zip central directory (offset ${directoryOffset}, ${directorySize} bytes) runs past its end record at ${directoryLimit}: the file is truncated or corrupt`,
    );
  }
  if (count * CENTRAL_HEADER_SIZE > directorySize) {
    throw new InteropError(source, `zip central directory of ${directorySize} bytes cannot hold the ${count} entries it claims`);
  }
  const names = new TextDecoder();
  const entries = new Map<string, ZipEntry>();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_HEADER_SIZE > directoryEnd || u32(at, 'central header') !== CENTRAL_HEADER) {
      throw new InteropError(source, `zip central directory entry ${i} expected at offset ${at}`);
    }
    const nameLength = u16(at + 28, 'name length');
    const extraLength = u16(at + 30, 'extra length');
    const next = at + CENTRAL_HEADER_SIZE + nameLength + extraLength + u16(at + 32, 'comment length');
    if (next > directoryEnd) throw new InteropError(source, `zip central directory entry ${i} runs past the directory's end`);
    const name = names.decode(bytes.subarray(at + CENTRAL_HEADER_SIZE, at + CENTRAL_HEADER_SIZE + nameLength));
    const entry: ZipEntry = {
      name,
      flags: u16(at + 8, 'flags'),
      method: u16(at + 10, 'compression method'),
      crc32: u32(at + 16, 'CRC-32'),
      compressedSize: u32(at + 20, 'compressed size'),
      size: u32(at + 24, 'size'),
      localHeader: u32(at + 42, 'local header offset'),
    };
    readZip64Extra(entry, at + CENTRAL_HEADER_SIZE + nameLength, extraLength, u16, u64);
    if (entries.has(name)) throw new InteropError(source, `zip archive has two entries named '${name}'`);
    entries.set(name, entry);
    at = next;
  }
  return entries;
}

function findEndOfCentralDirectory(bytes: Uint8Array, source: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lowest = Math.max(0, bytes.length - END_RECORD_SIZE - 0xffff);
  for (let at = bytes.length - END_RECORD_SIZE; at >= lowest; at--) {
    if (view.getUint32(at, true) === END_OF_CENTRAL_DIRECTORY) return at;
  }
  throw new InteropError(source, 'zip archive without an end-of-central-directory record: the file is truncated or corrupt');
}

/** Sizes and offsets of 4 GiB and more live in the zip64 extra field (id 1), in this order. */
function readZip64Extra(
  entry: ZipEntry,
  start: number,
  length: number,
  u16: (at: number, what: string) => number,
  u64: (at: number, what: string) => number,
): void {
  const end = start + length;
  for (let at = start; at + 4 <= end; at += 4 + u16(at + 2, 'extra field size')) {
    if (u16(at, 'extra field id') !== 1) continue;
    let value = at + 4;
    const limit = Math.min(end, value + u16(at + 2, 'extra field size'));
    for (const field of ['size', 'compressedSize', 'localHeader'] as const) {
      if (entry[field] !== ZIP64_SENTINEL || value + 8 > limit) continue;
      entry[field] = u64(value, 'zip64 extra field');
      value += 8;
    }
    return;
  }
}

/** An entry's bytes: located through its local header, inflated if it must be, CRC-checked. */
export function zipEntryData(bytes: Uint8Array, entry: ZipEntry, source: string): Uint8Array {
  const { u16, u32 } = fields(bytes, source);
  const what = `zip entry '${entry.name}'`;
  if (entry.flags & 1) throw new InteropError(source, `${what} is encrypted`);
  if (u32(entry.localHeader, 'local header') !== LOCAL_HEADER)
    throw new InteropError(source, `${what}: no local header at offset ${entry.localHeader}`);
  const start =
    entry.localHeader +
    LOCAL_HEADER_SIZE +
    u16(entry.localHeader + 26, 'name length') +
    u16(entry.localHeader + 28, 'extra length');
  if (!(start + entry.compressedSize <= bytes.length)) {
    throw new InteropError(
      source,
      `${what} claims ${entry.compressedSize} bytes at offset ${start}, past the end of the file (${bytes.length} bytes)`,
    );
  }
  const stored = bytes.subarray(start, start + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) {
    if (entry.size !== entry.compressedSize)
      throw new InteropError(source, `${what} is stored but declares ${entry.size} bytes in ${entry.compressedSize}`);
    data = stored;
  } else if (entry.method === 8) {
    if (entry.size > entry.compressedSize * DEFLATE_MAX_RATIO + DEFLATE_MAX_RATIO) {
      throw new InteropError(
        source,
        `${what} declares ${entry.size} bytes from ${entry.compressedSize} compressed, more than deflate can produce`,
      );
    }
    data = inflate(stored, entry.size, what, source);
  } else {
    throw new InteropError(
      source,
      `${what} uses compression method ${entry.method}; torch stores records (0), deflate (8) is also read`,
    );
  }
  if (crc32(data) !== entry.crc32) throw new InteropError(source, `${what} is corrupt (its CRC-32 does not match)`);
  return data;
}

function inflate(compressed: Uint8Array, size: number, what: string, source: string): Uint8Array {
  let data: Uint8Array;
  try {
    data = inflateSync(compressed, { out: new Uint8Array(size) });
  } catch (error) {
    throw new InteropError(source, `${what} does not inflate: ${(error as Error).message}`);
  }
  if (data.length !== size)
    throw new InteropError(source, `${what} inflates to ${data.length} bytes, not the ${size} it declares`);
  return data;
}
