import { InteropError } from '../errors.js';
import { crc32 } from './crc32.js';
import { CENTRAL_HEADER, CENTRAL_HEADER_SIZE, END_OF_CENTRAL_DIRECTORY, END_RECORD_SIZE, LOCAL_HEADER, LOCAL_HEADER_SIZE } from './zip-records.js';

export interface ZipEntry {
  /** Path inside the archive, '/'-separated, UTF-8. */
  name: string;
  data: Uint8Array;
}

/** Where each entry and the central directory land in the archive. */
export interface ZipLayout {
  /** Per entry: offset of its local header and of its first data byte. */
  entries: { headerOffset: number; dataOffset: number; padding: number }[];
  centralDirectoryOffset: number;
  centralDirectorySize: number;
  totalSize: number;
}

/** The 'FB' extra field torch pads with: a 2-byte id and a 2-byte length before the padding. */
const PADDING_FIELD_HEADER_SIZE = 4;
/** Beyond these the archive would need zip64 records. */
const MAX_SIZE = 0xffffffff;
const MAX_ENTRIES = 0xffff;
/** The padding must fit the extra field's 16-bit length. */
const MAX_ALIGNMENT = 0x8000;

const VERSION = 20;
/** Bit 11: names are UTF-8. */
const FLAG_UTF8 = 0x0800;
const METHOD_STORED = 0;

const utf8 = new TextEncoder();

/**
 * Offsets of a STORED archive whose entry data each start on a multiple of `alignment`, as
 * torch's PyTorchStreamWriter places them so a loader can mmap tensors in place.
 * Refuses what a plain (non-zip64) archive cannot hold.
 */
export function layoutStoredZip(entries: readonly { name: string; size: number }[], alignment = 64): ZipLayout {
  if (!Number.isInteger(alignment) || alignment < 1 || alignment > MAX_ALIGNMENT) {
    throw new InteropError('zip', `alignment ${alignment}; expected an integer in 1..${MAX_ALIGNMENT}`);
  }
  if (entries.length > MAX_ENTRIES) {
    throw new InteropError('zip', `${entries.length} entries; a zip without zip64 holds at most ${MAX_ENTRIES}`);
  }
  let offset = 0;
  let centralDirectorySize = 0;
  const placed = entries.map(({ name, size }) => {
    const nameLength = utf8.encode(name).length;
    const headerOffset = offset;
    const unpadded = headerOffset + LOCAL_HEADER_SIZE + nameLength + PADDING_FIELD_HEADER_SIZE;
    const padding = (alignment - (unpadded % alignment)) % alignment;
    const dataOffset = unpadded + padding;
    offset = dataOffset + size;
    centralDirectorySize += CENTRAL_HEADER_SIZE + nameLength;
    return { headerOffset, dataOffset, padding };
  });
  const totalSize = offset + centralDirectorySize + END_RECORD_SIZE;
  // Every offset and size field is 32 bits; an archive that fits in 4 GiB never overflows one.
  if (totalSize > MAX_SIZE) {
    throw new InteropError('zip', `archive of ${totalSize} bytes exceeds 4 GiB (${MAX_SIZE} bytes), which needs zip64`);
  }
  return { entries: placed, centralDirectoryOffset: offset, centralDirectorySize, totalSize };
}

/**
 * A zip archive of uncompressed entries, each entry's data aligned to `alignment` bytes by
 * padding its local header's extra field (torch's 'FB' field, filled with 'Z' as torch does).
 * Sizes and CRCs sit in the local headers, so no data descriptors; timestamps are zero so the
 * same entries always give the same bytes.
 */
export function encodeStoredZip(entries: readonly ZipEntry[], alignment = 64): Uint8Array {
  const names = entries.map((entry) => {
    if (entry.name.length === 0) throw new InteropError('zip', 'an entry has an empty name');
    const encoded = utf8.encode(entry.name);
    if (encoded.length > 0xffff) throw new InteropError('zip', `entry name of ${encoded.length} bytes; at most 65535`);
    return encoded;
  });
  const seen = new Set<string>();
  for (const { name } of entries) {
    if (seen.has(name)) throw new InteropError('zip', `entry ${name} appears twice`);
    seen.add(name);
  }
  const layout = layoutStoredZip(
    entries.map((entry) => ({ name: entry.name, size: entry.data.length })),
    alignment,
  );
  const out = new Uint8Array(layout.totalSize);
  const view = new DataView(out.buffer);
  const crcs = entries.map((entry) => crc32(entry.data));

  entries.forEach((entry, i) => {
    const { headerOffset, dataOffset, padding } = layout.entries[i];
    const name = names[i];
    let at = headerOffset;
    view.setUint32(at, LOCAL_HEADER, true);
    view.setUint16(at + 4, VERSION, true);
    view.setUint16(at + 6, FLAG_UTF8, true);
    view.setUint16(at + 8, METHOD_STORED, true);
    // at + 10, at + 12: modification time and date, left zero
    view.setUint32(at + 14, crcs[i], true);
    view.setUint32(at + 18, entry.data.length, true);
    view.setUint32(at + 22, entry.data.length, true);
    view.setUint16(at + 26, name.length, true);
    view.setUint16(at + 28, PADDING_FIELD_HEADER_SIZE + padding, true);
    at += LOCAL_HEADER_SIZE;
    out.set(name, at);
    at += name.length;
    out[at] = 0x46; // 'F'
    out[at + 1] = 0x42; // 'B'
    view.setUint16(at + 2, padding, true);
    out.fill(0x5a, at + PADDING_FIELD_HEADER_SIZE, dataOffset); // 'Z'
    out.set(entry.data, dataOffset);
  });

  let at = layout.centralDirectoryOffset;
  entries.forEach((entry, i) => {
    const name = names[i];
    view.setUint32(at, CENTRAL_HEADER, true);
    view.setUint16(at + 4, VERSION, true);
    view.setUint16(at + 6, VERSION, true);
    view.setUint16(at + 8, FLAG_UTF8, true);
    view.setUint16(at + 10, METHOD_STORED, true);
    view.setUint32(at + 16, crcs[i], true);
    view.setUint32(at + 20, entry.data.length, true);
    view.setUint32(at + 24, entry.data.length, true);
    view.setUint16(at + 28, name.length, true);
    // at + 30..41: extra and comment lengths, disk, attributes, all zero
    view.setUint32(at + 42, layout.entries[i].headerOffset, true);
    out.set(name, at + CENTRAL_HEADER_SIZE);
    at += CENTRAL_HEADER_SIZE + name.length;
  });

  view.setUint32(at, END_OF_CENTRAL_DIRECTORY, true);
  view.setUint16(at + 8, entries.length, true);
  view.setUint16(at + 10, entries.length, true);
  view.setUint32(at + 12, layout.centralDirectorySize, true);
  view.setUint32(at + 16, layout.centralDirectoryOffset, true);
  return out;
}
