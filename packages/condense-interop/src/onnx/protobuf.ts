/**
 * The part of the protobuf wire format that ONNX files need: varints (wire type 0), 32-bit
 * floats (wire type 5) and length-delimited bytes, strings and sub-messages (wire type 2).
 * Fields are written in the order the caller writes them; ONNX's own serialiser uses field
 * number order, so callers that want identical bytes write fields in that order.
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  /** An int32/int64/enum/bool field. Negative values take ten bytes (two's complement), as protobuf requires. */
  varint(field: number, value: number): this {
    this.tag(field, 0);
    this.rawVarint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.rawVarint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** An embedded message: the caller's writer is serialised and length-prefixed. */
  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) {
      throw new RangeError(`protobuf field number ${field} is not in 1..2^29-1`);
    }
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number): void {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`protobuf varint ${value} is not a safe integer`);
    }
    // BigInt makes the 64-bit two's complement of negative values exact.
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }
}

const utf8 = new TextEncoder();
