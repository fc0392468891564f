import type { Layout } from './mutate.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A whole file that is text (a manifest, a model.json, a list of names); its values get hostile ones. */
export function textLayout(bytes: Uint8Array): Layout {
  const text = decoder.decode(bytes);
  const boundaries = [...text.matchAll(/[[{]/g)].filter((_, i) => i % 7 === 0).map((m) => m.index ?? 0);
  return { boundaries, lengthFields: [], sections: [], json: { text, rebuild: (t) => encoder.encode(t) } };
}

/** Raw tensor data described elsewhere: the tensors are the sections. */
export function rangesLayout(ranges: [number, number][]): Layout {
  return { boundaries: ranges.flat(), lengthFields: [], sections: ranges };
}

/** Ours: 'CNDNCKPT', u32 LE header length, the JSON header padded with spaces, then tensor data. */
export function checkpointLayout(bytes: Uint8Array): Layout {
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const text = decoder.decode(bytes.subarray(12, 12 + headerLength));
  const header = JSON.parse(text) as { weights: { offset: number; shape: number[] }[]; optimizer: { offset: number; shape: number[] }[] };
  const dataStart = 12 + headerLength;
  const ranges = [...header.weights, ...header.optimizer].map(
    (t): [number, number] => [dataStart + t.offset, dataStart + t.offset + 4 * t.shape.reduce((a, b) => a * b, 1)],
  );
  const data = bytes.subarray(dataStart);
  return {
    boundaries: [8, 12, dataStart, ...ranges.flat()],
    lengthFields: [{ offset: 8, width: 4, littleEndian: true }],
    sections: ranges,
    json: {
      text,
      rebuild: (t) => {
        const json = encoder.encode(t);
        const out = new Uint8Array(12 + json.byteLength + data.byteLength);
        out.set(bytes.subarray(0, 8));
        new DataView(out.buffer).setUint32(8, json.byteLength, true);
        out.set(json, 12);
        out.set(data, 12 + json.byteLength);
        return out;
      },
    },
  };
}

/** safetensors: u64 LE header length, the JSON header, the data area with data_offsets relative to it. */
export function safetensorsLayout(bytes: Uint8Array): Layout {
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const text = decoder.decode(bytes.subarray(8, 8 + headerLength));
  const header = JSON.parse(text) as Record<string, { data_offsets?: [number, number] }>;
  const dataStart = 8 + headerLength;
  const ranges = Object.values(header)
    .filter((e) => e.data_offsets)
    .map((e): [number, number] => [dataStart + e.data_offsets![0], dataStart + e.data_offsets![1]]);
  const data = bytes.subarray(dataStart);
  return {
    boundaries: [8, dataStart, ...ranges.flat()],
    lengthFields: [{ offset: 0, width: 8, littleEndian: true }],
    sections: ranges,
    json: {
      text,
      rebuild: (t) => {
        const json = encoder.encode(t);
        const out = new Uint8Array(8 + json.byteLength + data.byteLength);
        new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
        out.set(json, 8);
        out.set(data, 8 + json.byteLength);
        return out;
      },
    },
  };
}

/** A zip file (torch's format): local headers, central directory, end record and their size fields. */
export function zipLayout(bytes: Uint8Array): Layout {
  const starts: { at: number; kind: number }[] = [];
  for (let i = 0; i + 4 <= bytes.byteLength; i++) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && [0x0403, 0x0201, 0x0605, 0x0606, 0x0706].includes(bytes[i + 2] | (bytes[i + 3] << 8))) {
      starts.push({ at: i, kind: bytes[i + 2] | (bytes[i + 3] << 8) });
    }
  }
  const field = (offset: number, width: 2 | 4 | 8) => ({ offset, width, littleEndian: true });
  const lengthFields = starts.flatMap(({ at, kind }) =>
    kind === 0x0403
      ? [field(at + 18, 4), field(at + 22, 4), field(at + 26, 2), field(at + 28, 2)]
      : kind === 0x0201
        ? [field(at + 20, 4), field(at + 24, 4), field(at + 28, 2), field(at + 30, 2), field(at + 42, 4)]
        : kind === 0x0605
          ? [field(at + 8, 2), field(at + 10, 2), field(at + 12, 4), field(at + 16, 4)]
          : [field(at + 24, 8), field(at + 32, 8), field(at + 40, 8), field(at + 48, 8)],
  );
  const locals = starts.filter((s) => s.kind === 0x0403).map((s) => s.at);
  const centralStart = starts.find((s) => s.kind === 0x0201)?.at ?? bytes.byteLength;
  const sections = locals.map((at, i): [number, number] => [at, locals[i + 1] ?? centralStart]);
  return { boundaries: starts.map((s) => s.at), lengthFields, sections };
}

/** A pickle stream (torch's legacy format): the length-prefixed opcodes and an even split in sections. */
export function pickleLayout(bytes: Uint8Array): Layout {
  const lengthFields: Layout['lengthFields'] = [];
  for (let i = 0; i + 5 <= bytes.byteLength && lengthFields.length < 400; i++) {
    // BINUNICODE, BINBYTES, BINSTRING and LONG4 carry a u32 length; a plausible one marks the opcode.
    if ([0x58, 0x42, 0x54, 0x8b].includes(bytes[i]) && new DataView(bytes.buffer, bytes.byteOffset + i + 1, 4).getUint32(0, true) < 4096) {
      lengthFields.push({ offset: i + 1, width: 4, littleEndian: true });
    }
  }
  const step = Math.ceil(bytes.byteLength / 8);
  const sections = Array.from({ length: 8 }, (_, i): [number, number] => [i * step, Math.min(bytes.byteLength, (i + 1) * step)]);
  return { boundaries: sections.map((s) => s[0]), lengthFields, sections };
}

/** PNG: signature, chunks of (u32 BE length, type, data, CRC); IHDR's width and height. */
export function pngLayout(bytes: Uint8Array): Layout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: [number, number][] = [];
  for (let at = 8; at + 12 <= bytes.byteLength; ) {
    const end = at + 12 + view.getUint32(at);
    chunks.push([at, end]);
    at = end;
  }
  const field = (offset: number) => ({ offset, width: 4 as const, littleEndian: false });
  return {
    boundaries: [8, ...chunks.flatMap(([s, e]) => [s, s + 8, e - 4, e])],
    lengthFields: [...chunks.map(([s]) => field(s)), field(16), field(20)],
    sections: chunks.slice(1, -1),
  };
}

/** JPEG: markers with u16 BE segment lengths; the frame header's height and width. */
export function jpegLayout(bytes: Uint8Array): Layout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segments: [number, number][] = [];
  const lengthFields: Layout['lengthFields'] = [];
  for (let at = 2; at + 4 <= bytes.byteLength && bytes[at] === 0xff; ) {
    const marker = bytes[at + 1];
    const end = at + 2 + view.getUint16(at + 2);
    segments.push([at, end]);
    lengthFields.push({ offset: at + 2, width: 2, littleEndian: false });
    if (marker === 0xc0 || marker === 0xc2) {
      lengthFields.push({ offset: at + 5, width: 2, littleEndian: false }, { offset: at + 7, width: 2, littleEndian: false });
    }
    if (marker === 0xda) break;
    at = end;
  }
  return { boundaries: segments.flat(), lengthFields, sections: segments };
}

/** Fixed-size records (CIFAR): every record start is a boundary and a section. */
export function recordsLayout(bytes: Uint8Array, recordBytes: number): Layout {
  const sections = Array.from({ length: Math.floor(bytes.byteLength / recordBytes) }, (_, i): [number, number] => [i * recordBytes, (i + 1) * recordBytes]);
  return { boundaries: [...sections.map((s) => s[0]), 1, 2], lengthFields: [], sections };
}
