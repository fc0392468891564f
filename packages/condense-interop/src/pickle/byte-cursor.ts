/**
 * Reads a pickle's arguments, refusing every read past the end: a length field can never
 * make the reader take (or allocate) more than the input holds.
 */
export class ByteCursor {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
    private readonly fail: (detail: string) => never,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Moves past `count` bytes and returns where they start. */
  private advance(count: number, what: string): number {
    if (!(count <= this.remaining)) this.fail(`truncated: ${what} needs ${count} bytes, only ${this.remaining} remain`);
    const at = this.pos;
    this.pos += count;
    return at;
  }

  u8(): number {
    return this.bytes[this.advance(1, 'a 1-byte argument')];
  }

  u16(): number {
    return this.view.getUint16(this.advance(2, 'a 2-byte argument'), true);
  }

  i32(): number {
    return this.view.getInt32(this.advance(4, 'a 4-byte argument'), true);
  }

  u32(): number {
    return this.view.getUint32(this.advance(4, 'a 4-byte argument'), true);
  }

  /** An 8-byte little-endian length: only ever compared with what remains, so beyond 2^53 it may round. */
  u64(): number {
    const at = this.advance(8, 'an 8-byte argument');
    return this.view.getUint32(at + 4, true) * 2 ** 32 + this.view.getUint32(at, true);
  }

  f64be(): number {
    return this.view.getFloat64(this.advance(8, 'an 8-byte float'), false);
  }

  /** `count` bytes (a view into the input, not a copy). */
  take(count: number, what: string): Uint8Array {
    const at = this.advance(count, what);
    return this.bytes.subarray(at, at + count);
  }

  /** The bytes up to the next newline, which is consumed and not returned. */
  line(): Uint8Array {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail(`truncated: a text argument has no terminating newline (${this.remaining} bytes remain)`);
    const text = this.bytes.subarray(this.pos, end);
    this.pos = end + 1;
    return text;
  }
}
