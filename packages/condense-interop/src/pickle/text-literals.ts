/**
 * The text arguments of protocol-0 opcodes (INT, LONG, FLOAT, STRING, UNICODE), decoded the
 * way CPython's unpickler does. Each returns undefined for text CPython would refuse.
 */

/** CPython's own default limit on the digits of an int read from text (sys.int_info.default_max_str_digits). */
export const MAX_INT_DIGITS = 4300;

const DECIMAL = /^[+-]?[0-9]+$/;

/** A Python int from decimal text: a number while it is exact, a bigint beyond 2^53. */
export function parseDecimalInt(text: string): number | bigint | undefined {
  if (!DECIMAL.test(text) || text.replace(/^[+-]/, '').length > MAX_INT_DIGITS) return undefined;
  if (text.length <= 15) return Number(text);
  return normaliseInt(BigInt(text));
}

/** Python ints within the safe range are numbers; only the others stay bigint. */
export function normaliseInt(value: bigint): number | bigint {
  return value >= -(2n ** 53n) + 1n && value <= 2n ** 53n - 1n ? Number(value) : value;
}

const FINITE_FLOAT = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
const SPECIAL_FLOATS = new Map([
  ['inf', Infinity],
  ['+inf', Infinity],
  ['-inf', -Infinity],
  ['infinity', Infinity],
  ['+infinity', Infinity],
  ['-infinity', -Infinity],
  ['nan', NaN],
  ['+nan', NaN],
  ['-nan', NaN],
]);

/** A Python float from its repr ('0.1', '1e-05', 'inf', 'nan'). */
export function parseFloatText(text: string): number | undefined {
  if (FINITE_FLOAT.test(text)) return Number(text);
  return SPECIAL_FLOATS.get(text.toLowerCase());
}

const SIMPLE_ESCAPES = new Map<number, number>([
  [0x5c, 0x5c], // \\
  [0x27, 0x27], // \'
  [0x22, 0x22], // \"
  [0x61, 0x07], // \a
  [0x62, 0x08], // \b
  [0x66, 0x0c], // \f
  [0x6e, 0x0a], // \n
  [0x72, 0x0d], // \r
  [0x74, 0x09], // \t
  [0x76, 0x0b], // \v
]);

function hexDigit(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function isOctal(byte: number | undefined): byte is number {
  return byte !== undefined && byte >= 0x30 && byte <= 0x37;
}

/**
 * STRING's argument: a quoted Python bytes repr (`'a\x00b'`), unquoted and escape-decoded
 * like codecs.escape_decode (an unknown escape keeps its backslash, as Python does).
 */
export function decodeQuotedString(line: Uint8Array): Uint8Array | undefined {
  const quote = line[0];
  if (line.length < 2 || (quote !== 0x27 && quote !== 0x22) || line[line.length - 1] !== quote) return undefined;
  const body = line.subarray(1, line.length - 1);
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (byte !== 0x5c) {
      out.push(byte);
      continue;
    }
    if (i + 1 >= body.length) return undefined;
    const next = body[++i];
    const simple = SIMPLE_ESCAPES.get(next);
    if (simple !== undefined) {
      out.push(simple);
    } else if (next === 0x78) {
      const high = hexDigit(body[i + 1] ?? -1);
      const low = hexDigit(body[i + 2] ?? -1);
      if (high < 0 || low < 0) return undefined;
      out.push(high * 16 + low);
      i += 2;
    } else if (isOctal(next)) {
      let value = next - 0x30;
      for (let k = 0; k < 2 && isOctal(body[i + 1]); k++) value = value * 8 + (body[++i] - 0x30);
      out.push(value & 0xff);
    } else {
      out.push(0x5c, next);
    }
  }
  return Uint8Array.from(out);
}

/**
 * UNICODE's argument, 'raw-unicode-escape': bytes are Latin-1 code points except `\uXXXX` and
 * `\UXXXXXXXX`, which are escapes only after an odd run of backslashes (CPython's rule).
 */
export function decodeRawUnicodeEscape(line: Uint8Array): string | undefined {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] !== 0x5c) {
      out += String.fromCharCode(line[i++]);
      continue;
    }
    const runStart = i;
    while (i < line.length && line[i] === 0x5c) i++;
    const run = i - runStart;
    const marker = line[i];
    if (run % 2 === 0 || (marker !== 0x75 && marker !== 0x55)) {
      out += '\\'.repeat(run);
      continue;
    }
    out += '\\'.repeat(run - 1);
    const digits = marker === 0x75 ? 4 : 8;
    let code = 0;
    for (let k = 1; k <= digits; k++) {
      const digit = hexDigit(line[i + k] ?? -1);
      if (digit < 0) return undefined;
      code = code * 16 + digit;
    }
    if (code > 0x10ffff) return undefined;
    out += String.fromCodePoint(code);
    i += 1 + digits;
  }
  return out;
}
