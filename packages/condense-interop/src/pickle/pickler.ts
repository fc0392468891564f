import { InteropError } from '../errors.js';

/** The protocol-2 opcodes this writer emits (Python's `pickle` module names them the same). */
const OP = {
  PROTO: 0x80,
  STOP: 0x2e, // .
  NONE: 0x4e, // N
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  BININT: 0x4a, // J
  BININT1: 0x4b, // K
  BININT2: 0x4d, // M
  LONG1: 0x8a,
  BINFLOAT: 0x47, // G
  BINUNICODE: 0x58, // X
  EMPTY_TUPLE: 0x29, // )
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  MARK: 0x28, // (
  TUPLE: 0x74, // t
  EMPTY_LIST: 0x5d, // ]
  APPEND: 0x61, // a
  APPENDS: 0x65, // e
  EMPTY_DICT: 0x7d, // }
  SETITEM: 0x73, // s
  SETITEMS: 0x75, // u
  GLOBAL: 0x63, // c
  REDUCE: 0x52, // R
  BINPERSID: 0x51, // Q
  BINPUT: 0x71, // q
  LONG_BINPUT: 0x72, // r
  BINGET: 0x68, // h
  LONG_BINGET: 0x6a, // j
} as const;

const SMALL_TUPLE = [OP.EMPTY_TUPLE, OP.TUPLE1, OP.TUPLE2, OP.TUPLE3] as const;

/** Python's pickler appends and sets items in batches of this many. */
const BATCH_SIZE = 1000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether UTF-8 can encode the string: false when it holds a lone UTF-16 surrogate. */
export function isWellFormedUnicode(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

const utf8 = new TextEncoder();

/**
 * Writes a protocol-2 pickle the way CPython's `pickle.Pickler` does: the same opcode for each
 * value, the same memo entries (every string, tuple, list, dict and reduced object gets a
 * BINPUT), the same batching of APPENDS/SETITEMS. Strings and globals are memoized by value,
 * so a repeated module path or key is written once and then fetched with BINGET.
 *
 * Containers take a callback that writes their items, so the caller decides what an item is.
 */
export class Pickler {
  private bytes = new Uint8Array(1024);
  private view = new DataView(this.bytes.buffer);
  private length = 0;
  private nextMemo = 0;
  private readonly memoOfString = new Map<string, number>();
  private readonly memoOfGlobal = new Map<string, number>();

  constructor() {
    this.op(OP.PROTO);
    this.byte(2);
  }

  none(): void {
    this.op(OP.NONE);
  }

  bool(value: boolean): void {
    this.op(value ? OP.NEWTRUE : OP.NEWFALSE);
  }

  /** A Python int: the shortest of BININT1, BININT2, BININT and LONG1, as Python picks. */
  int(value: number | bigint): void {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new InteropError('pickle', `${value} is not an exact integer; write it as a float or a bigint`);
    }
    const n = BigInt(value);
    if (n >= 0n && n <= 0xffn) {
      this.op(OP.BININT1);
      this.byte(Number(n));
    } else if (n >= 0n && n <= 0xffffn) {
      this.op(OP.BININT2);
      this.reserve(2);
      this.view.setUint16(this.length, Number(n), true);
      this.length += 2;
    } else if (n >= -0x80000000n && n <= 0x7fffffffn) {
      this.op(OP.BININT);
      this.int32(Number(n));
    } else {
      const encoded = twosComplementLittleEndian(n);
      if (encoded.length > 0xff) throw new InteropError('pickle', `integer ${n} needs ${encoded.length} bytes, LONG1 holds 255`);
      this.op(OP.LONG1);
      this.byte(encoded.length);
      this.raw(encoded);
    }
  }

  float(value: number): void {
    this.op(OP.BINFLOAT);
    this.reserve(8);
    this.view.setFloat64(this.length, value, false);
    this.length += 8;
  }

  string(value: string): void {
    const memo = this.memoOfString.get(value);
    if (memo !== undefined) return this.get(memo);
    if (!isWellFormedUnicode(value)) {
      throw new InteropError('pickle', `string ${JSON.stringify(value)} holds a lone UTF-16 surrogate, which UTF-8 cannot encode`);
    }
    const encoded = utf8.encode(value);
    this.op(OP.BINUNICODE);
    this.int32(encoded.length);
    this.raw(encoded);
    this.memoOfString.set(value, this.memoize());
  }

  /** A module-level name (`collections.OrderedDict`), written once and fetched after. */
  global(module: string, name: string): void {
    const qualified = `${module}\n${name}\n`;
    const memo = this.memoOfGlobal.get(qualified);
    if (memo !== undefined) return this.get(memo);
    // Protocol 2 writes GLOBAL's operands as ASCII lines: module and class names are identifiers.
    if (!/^[\x21-\x7e]+\n[\x21-\x7e]+\n$/.test(qualified)) {
      throw new InteropError('pickle', `global ${JSON.stringify(`${module}.${name}`)} is not two non-empty ASCII names`);
    }
    this.op(OP.GLOBAL);
    this.raw(utf8.encode(qualified));
    this.memoOfGlobal.set(qualified, this.memoize());
  }

  /** A tuple of `count` items written by `writeItems`; Python memoizes every non-empty tuple. */
  tuple(count: number, writeItems: () => void): void {
    if (count === 0) return this.op(OP.EMPTY_TUPLE);
    if (count <= 3) {
      writeItems();
      this.op(SMALL_TUPLE[count]);
    } else {
      this.op(OP.MARK);
      writeItems();
      this.op(OP.TUPLE);
    }
    this.memoize();
  }

  list<T>(items: readonly T[], writeItem: (item: T, index: number) => void): void {
    this.op(OP.EMPTY_LIST);
    this.memoize();
    this.batches(items, writeItem, OP.APPEND, OP.APPENDS, 'whole');
  }

  dict<T>(entries: readonly T[], writeEntry: (entry: T, index: number) => void): void {
    this.op(OP.EMPTY_DICT);
    this.memoize();
    this.batches(entries, writeEntry, OP.SETITEM, OP.SETITEMS, 'whole');
  }

  /**
   * `callable(*args)`, as Python writes an object whose `__reduce__` gives (callable, args):
   * the callable, the argument tuple, REDUCE, and a memo entry for the result (returned).
   */
  reduce(writeCallable: () => void, writeArgs: () => void): number {
    writeCallable();
    writeArgs();
    this.op(OP.REDUCE);
    return this.memoize();
  }

  /** Key/value pairs added to the dict just written (how an OrderedDict's items follow its REDUCE). */
  setItems<T>(entries: readonly T[], writeEntry: (entry: T, index: number) => void): void {
    this.batches(entries, writeEntry, OP.SETITEM, OP.SETITEMS, 'batch');
  }

  /** An object the loader resolves itself (torch: a storage), identified by what `writeId` writes. */
  persistentId(writeId: () => void): void {
    writeId();
    this.op(OP.BINPERSID);
  }

  /** A memo slot for the object just written: what Python's pickler records after it. */
  memoize(): number {
    const index = this.nextMemo++;
    if (index < 256) {
      this.op(OP.BINPUT);
      this.byte(index);
    } else {
      this.op(OP.LONG_BINPUT);
      this.int32(index);
    }
    return index;
  }

  /** Pushes the object memoized at `index` again. */
  get(index: number): void {
    if (index < 256) {
      this.op(OP.BINGET);
      this.byte(index);
    } else {
      this.op(OP.LONG_BINGET);
      this.int32(index);
    }
  }

  /** Ends the pickle; the pickler is spent afterwards. */
  finish(): Uint8Array {
    this.op(OP.STOP);
    return this.bytes.slice(0, this.length);
  }

  /**
   * CPython's C pickler writes a lone item with APPEND/SETITEM only when the whole container
   * (a list or dict) has one, but for items it iterates (an OrderedDict's, after its REDUCE)
   * whenever a batch has one.
   */
  private batches<T>(
    items: readonly T[],
    writeItem: (item: T, index: number) => void,
    single: number,
    many: number,
    singleWhen: 'whole' | 'batch',
  ): void {
    for (let start = 0; start < items.length; start += BATCH_SIZE) {
      const end = Math.min(start + BATCH_SIZE, items.length);
      if (end - start === 1 && (singleWhen === 'batch' || items.length === 1)) {
        writeItem(items[start], start);
        this.op(single);
      } else {
        this.op(OP.MARK);
        for (let i = start; i < end; i++) writeItem(items[i], i);
        this.op(many);
      }
    }
  }

  private op(code: number): void {
    this.byte(code);
  }

  private byte(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  private int32(value: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }

  private raw(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** LONG1's payload: the shortest two's-complement little-endian bytes of n (Python's encode_long). */
function twosComplementLittleEndian(n: bigint): Uint8Array {
  const out: number[] = [];
  let rest = n;
  for (;;) {
    const byte = Number(rest & 0xffn);
    out.push(byte);
    rest >>= 8n;
    const signBitSet = (byte & 0x80) !== 0;
    if ((rest === 0n && !signBitSet) || (rest === -1n && signBitSet)) return Uint8Array.from(out);
  }
}
