/**
 * Splits a protobuf message into its fields, so tests can read what an encoder wrote without
 * trusting the encoder: varints as bigint, fixed32/fixed64 and length-delimited fields as bytes.
 */
export type Fields = Map<number, (bigint | Uint8Array)[]>;

export function readFields(bytes: Uint8Array): Fields {
  const fields: Fields = new Map();
  let pos = 0;
  const varint = () => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= bytes.length) throw new Error('protobuf: truncated varint');
      const b = bytes[pos++];
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return value;
    }
  };
  const take = (n: number) => {
    if (pos + n > bytes.length) throw new Error('protobuf: truncated field');
    const field = bytes.subarray(pos, pos + n);
    pos += n;
    return field;
  };
  while (pos < bytes.length) {
    const tag = varint();
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    const value =
      wireType === 0 ? varint()
      : wireType === 1 ? take(8)
      : wireType === 2 ? take(Number(varint()))
      : wireType === 5 ? take(4)
      : undefined;
    if (value === undefined) throw new Error(`protobuf: wire type ${wireType} not supported`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

/** The embedded messages of a repeated (or single) message field. */
export function messages(fields: Fields, field: number): Fields[] {
  return (fields.get(field) ?? []).map((v) => readFields(v as Uint8Array));
}

export function strings(fields: Fields, field: number): string[] {
  return (fields.get(field) ?? []).map((v) => new TextDecoder().decode(v as Uint8Array));
}

/** The varints of a field as signed 64-bit numbers. */
export function integers(fields: Fields, field: number): number[] {
  return (fields.get(field) ?? []).map((v) => Number(BigInt.asIntN(64, v as bigint)));
}
