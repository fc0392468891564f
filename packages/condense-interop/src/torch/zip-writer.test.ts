import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import { crc32 } from './crc32.js';
import { encodeStoredZip, layoutStoredZip } from './zip-writer.js';

const text = (s: string) => new TextEncoder().encode(s);

interface ParsedEntry {
  name: string;
  headerOffset: number;
  dataOffset: number;
  size: number;
  crc: number;
  extra: Uint8Array;
}

/** Reads the central directory and each local header by hand, independent of the writer. */
function parseZip(zip: Uint8Array): ParsedEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.length - 22;
  expect(view.getUint32(end, true)).toBe(0x06054b50);
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const entries: ParsedEntry[] = [];
  for (let i = 0; i < count; i++) {
    expect(view.getUint32(at, true)).toBe(0x02014b50);
    const nameLength = view.getUint16(at + 28, true);
    const headerOffset = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    expect(view.getUint32(headerOffset, true)).toBe(0x04034b50);
    expect(view.getUint16(headerOffset + 8, true)).toBe(0); // STORED
    const extraLength = view.getUint16(headerOffset + 28, true);
    const extraStart = headerOffset + 30 + view.getUint16(headerOffset + 26, true);
    entries.push({
      name,
      headerOffset,
      dataOffset: extraStart + extraLength,
      size: view.getUint32(headerOffset + 22, true),
      crc: view.getUint32(headerOffset + 14, true),
      extra: zip.slice(extraStart, extraStart + extraLength),
    });
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return entries;
}

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(new Uint8Array())).toBe(0);
    expect(crc32(text('123456789'))).toBe(0xcbf43926);
    expect(crc32(text('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });
});

describe('encodeStoredZip', () => {
  const entries = [
    { name: 'archive/data.pkl', data: text('pickle bytes') },
    { name: 'archive/data/0', data: Uint8Array.from({ length: 100 }, (_, i) => i) },
    { name: 'archive/empty', data: new Uint8Array() },
    { name: 'archive/größe ✓', data: text('unicode name') },
  ];

  it('is a zip any reader opens, with the same entries', () => {
    const unzipped = unzipSync(encodeStoredZip(entries));
    expect(Object.keys(unzipped)).toEqual(entries.map((e) => e.name));
    for (const { name, data } of entries) expect(unzipped[name]).toEqual(data);
  });

  it("starts every entry's data on a 64-byte boundary, padded in an 'FB' extra field of 'Z's", () => {
    const zip = encodeStoredZip(entries);
    const parsed = parseZip(zip);
    expect(parsed.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    parsed.forEach((entry, i) => {
      expect(entry.dataOffset % 64).toBe(0);
      expect(entry.size).toBe(entries[i].data.length);
      expect(entry.crc).toBe(crc32(entries[i].data));
      expect(zip.subarray(entry.dataOffset, entry.dataOffset + entry.size)).toEqual(entries[i].data);
      expect([...entry.extra.subarray(0, 2)]).toEqual([0x46, 0x42]);
      const padding = new DataView(entry.extra.buffer).getUint16(2, true);
      expect(entry.extra.length).toBe(4 + padding);
      expect(entry.extra.subarray(4).every((b) => b === 0x5a)).toBe(true);
    });
  });

  it('honours another alignment', () => {
    const parsed = parseZip(encodeStoredZip(entries, 4096));
    for (const entry of parsed) expect(entry.dataOffset % 4096).toBe(0);
  });

  it('gives the same bytes for the same entries', () => {
    expect(encodeStoredZip(entries)).toEqual(encodeStoredZip(entries.map((e) => ({ ...e, data: e.data.slice() }))));
  });

  it('refuses duplicate or empty names and a bad alignment', () => {
    expect(() => encodeStoredZip([entries[0], entries[0]])).toThrow(/archive\/data\.pkl appears twice/);
    expect(() => encodeStoredZip([{ name: '', data: new Uint8Array() }])).toThrow(/empty name/);
    expect(() => encodeStoredZip(entries, 0)).toThrow(/alignment 0/);
    expect(() => encodeStoredZip(entries, 1.5)).toThrow(InteropError);
  });
});

describe('layoutStoredZip', () => {
  it('places entries one after another, each padded to the alignment', () => {
    const layout = layoutStoredZip([
      { name: 'a/b', size: 10 },
      { name: 'a/c', size: 0 },
    ]);
    // 30-byte header + 3-byte name + 4-byte 'FB' field header = 37, padded to 64.
    expect(layout.entries[0]).toEqual({ headerOffset: 0, dataOffset: 64, padding: 27 });
    expect(layout.entries[1]).toEqual({ headerOffset: 74, dataOffset: 128, padding: 17 });
    expect(layout.centralDirectoryOffset).toBe(128);
    expect(layout.totalSize).toBe(128 + 2 * (46 + 3) + 22);
  });

  it('refuses archives a zip without zip64 cannot describe', () => {
    expect(() => layoutStoredZip([{ name: 'big', size: 2 ** 32 }])).toThrow(/exceeds 4 GiB/);
    expect(() =>
      layoutStoredZip([
        { name: 'a', size: 2 ** 31 },
        { name: 'b', size: 2 ** 31 },
      ]),
    ).toThrow(InteropError);
    expect(() => layoutStoredZip([{ name: 'fits', size: 2 ** 32 - 1024 }])).not.toThrow();
    const tooMany = Array.from({ length: 65536 }, (_, i) => ({ name: `e${i}`, size: 0 }));
    expect(() => layoutStoredZip(tooMany)).toThrow(/65536 entries; a zip without zip64 holds at most 65535/);
  });
});
