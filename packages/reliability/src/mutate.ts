/**
 * Deterministic mutations of a valid file: every case is reproducible from (seed, case index),
 * so a failure found in the full run is replayed by the same two numbers.
 */

/** The workspace's one seeded generator (mulberry32); ample for choosing mutations. */
export { seededRandom as rng } from '@condensenet/golden-fixtures';

/** Where a file's structure lives, so mutations hit what a reader trusts. */
export interface Layout {
  /** Offsets where one structure ends and the next begins (truncation points). */
  boundaries: number[];
  /** Little- or big-endian length/count/offset fields. */
  lengthFields: { offset: number; width: 2 | 4 | 8; littleEndian: boolean }[];
  /** Byte ranges that can be duplicated or swapped. */
  sections: [number, number][];
  /** A JSON text inside the file, and how to put an edited one back (fixing its length prefix). */
  json?: { text: string; rebuild: (text: string) => Uint8Array };
}

/** The values a hostile length field takes: nothing, all ones, just past int32, past exact doubles. */
const HOSTILE_LENGTHS = [0n, -1n, 2n ** 31n, 2n ** 53n, 2n ** 32n - 1n, 1n];
const HOSTILE_JSON = ['0', '-1', '2147483648', '9007199254740992', '1e12', '1e308', '-0.5', 'null', '"x"', '[]', '{}', '[1e6,1e6,1e6]'];

export type MutationKind = 'bitflip' | 'truncate' | 'length' | 'duplicate' | 'swap' | 'json' | 'overwrite' | 'insert';
const KINDS: MutationKind[] = ['bitflip', 'truncate', 'length', 'duplicate', 'swap', 'json', 'overwrite', 'insert'];

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function setLength(bytes: Uint8Array, field: Layout['lengthFields'][number], value: bigint): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (field.offset + field.width > bytes.byteLength) return;
  const masked = BigInt.asUintN(field.width * 8, value);
  if (field.width === 8) view.setBigUint64(field.offset, masked, field.littleEndian);
  else if (field.width === 4) view.setUint32(field.offset, Number(masked), field.littleEndian);
  else view.setUint16(field.offset, Number(masked), field.littleEndian);
}

/** Replaces one number, string or bracketed value of the JSON with a hostile one. */
function mutateJson(text: string, r: () => number): string {
  const tokens = [...text.matchAll(/-?\d+(\.\d+)?([eE][-+]?\d+)?|"(?:[^"\\]|\\.)*"|\[[^[\]]*\]/g)];
  if (tokens.length === 0) return text;
  const token = pick(r, tokens);
  const start = token.index ?? 0;
  return text.slice(0, start) + pick(r, HOSTILE_JSON) + text.slice(start + token[0].length);
}

export interface Mutation {
  kind: MutationKind;
  bytes: Uint8Array;
}

/** One mutated copy of `original`; the kind is chosen by `r` among those the layout allows. */
export function mutate(original: Uint8Array, layout: Layout, r: () => number): Mutation {
  const kinds = KINDS.filter(
    (k) =>
      (k !== 'length' || layout.lengthFields.length > 0) &&
      (k !== 'json' || layout.json !== undefined) &&
      ((k !== 'duplicate' && k !== 'swap') || layout.sections.length > 1),
  );
  const kind = pick(r, kinds);
  const n = original.byteLength;
  const at = () => Math.floor(r() * Math.max(n, 1));
  switch (kind) {
    case 'bitflip': {
      const bytes = original.slice();
      const flips = 1 + Math.floor(r() * 8);
      for (let i = 0; i < flips && n > 0; i++) bytes[at()] ^= 1 << Math.floor(r() * 8);
      return { kind, bytes };
    }
    case 'truncate': {
      const points = [...layout.boundaries, at()];
      const cut = Math.max(0, Math.min(n, pick(r, points) + pick(r, [-1, 0, 0, 1])));
      return { kind, bytes: original.slice(0, cut) };
    }
    case 'length': {
      const bytes = original.slice();
      setLength(bytes, pick(r, layout.lengthFields), pick(r, HOSTILE_LENGTHS));
      return { kind, bytes };
    }
    case 'duplicate': {
      const [s, e] = pick(r, layout.sections);
      return { kind, bytes: concat([original.subarray(0, e), original.subarray(s, e), original.subarray(e)]) };
    }
    case 'swap': {
      const sorted = [...layout.sections].sort((a, b) => a[0] - b[0]);
      const i = Math.floor(r() * (sorted.length - 1));
      const [a, b] = [sorted[i], sorted[i + 1]];
      if (a[1] > b[0]) return { kind, bytes: original.slice() };
      return {
        kind,
        bytes: concat([original.subarray(0, a[0]), original.subarray(b[0], b[1]), original.subarray(a[1], b[0]), original.subarray(a[0], a[1]), original.subarray(b[1])]),
      };
    }
    case 'json': {
      const json = layout.json!;
      return { kind, bytes: json.rebuild(mutateJson(json.text, r)) };
    }
    case 'overwrite': {
      const bytes = original.slice();
      const start = at();
      const length = 1 + Math.floor(r() * 16);
      for (let i = start; i < Math.min(n, start + length); i++) bytes[i] = Math.floor(r() * 256);
      return { kind, bytes };
    }
    case 'insert': {
      const where = pick(r, [...layout.boundaries, at()]);
      const extra = Uint8Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256));
      return { kind, bytes: concat([original.subarray(0, where), extra, original.subarray(where)]) };
    }
  }
}
