import { describe, expect, it } from 'vitest';
import { decodeQuotedString, decodeRawUnicodeEscape, normaliseInt, parseDecimalInt, parseFloatText } from './text-literals.js';

const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe('protocol-0 text arguments', () => {
  it('parses decimal ints, bigint only beyond 2^53', () => {
    expect(parseDecimalInt('-42')).toBe(-42);
    expect(parseDecimalInt('+7')).toBe(7);
    expect(parseDecimalInt('9007199254740991')).toBe(2 ** 53 - 1);
    expect(parseDecimalInt('9007199254740992')).toBe(2n ** 53n);
    expect(parseDecimalInt('-1180591620717411303424')).toBe(-(2n ** 70n));
    expect(parseDecimalInt('9'.repeat(4300))).toBe(10n ** 4300n - 1n);
    for (const bad of ['', '-', '1.0', '0x10', ' 1', '1e3', '9'.repeat(4301)]) expect(parseDecimalInt(bad)).toBeUndefined();
  });

  it('keeps ints within the safe range as numbers', () => {
    expect(normaliseInt(-(2n ** 53n) + 1n)).toBe(-(2 ** 53) + 1);
    expect(normaliseInt(-(2n ** 53n))).toBe(-(2n ** 53n));
  });

  it('parses float reprs, infinities and nan', () => {
    expect(parseFloatText('0.1')).toBe(0.1);
    expect(parseFloatText('1e-05')).toBe(1e-5);
    expect(parseFloatText('-2.')).toBe(-2);
    expect(parseFloatText('inf')).toBe(Infinity);
    expect(parseFloatText('-inf')).toBe(-Infinity);
    expect(parseFloatText('nan')).toBeNaN();
    for (const bad of ['', 'one', '1,5', '0x1p3', 'Infinityx']) expect(parseFloatText(bad)).toBeUndefined();
  });

  it("unquotes and unescapes STRING's Python repr", () => {
    expect(decodeQuotedString(latin1("'a\\tb\\\\c\\'d'"))).toEqual(latin1("a\tb\\c'd"));
    expect(decodeQuotedString(latin1('"\\x00\\xff\\101\\7"'))).toEqual(Uint8Array.of(0, 0xff, 0x41, 7));
    expect(decodeQuotedString(latin1("'\\q'"))).toEqual(latin1('\\q'));
    expect(decodeQuotedString(latin1("''"))).toEqual(new Uint8Array(0));
    for (const bad of ["'abc", 'abc', '\'a"', "'\\x1'", "'\\'", "'"]) expect(decodeQuotedString(latin1(bad))).toBeUndefined();
  });

  it('decodes raw-unicode-escape, escapes only after an odd run of backslashes', () => {
    expect(decodeRawUnicodeEscape(latin1('caf\\u00e9 \\U0001f600'))).toBe('café 😀');
    expect(decodeRawUnicodeEscape(latin1('\\u005c\\u000a'))).toBe('\\\n');
    expect(decodeRawUnicodeEscape(latin1('\\\\u0041'))).toBe('\\\\u0041');
    expect(decodeRawUnicodeEscape(latin1('\\\\\\u0041'))).toBe('\\\\A');
    expect(decodeRawUnicodeEscape(latin1('\\x \xe9'))).toBe('\\x é');
    for (const bad of ['\\u12', '\\U0011ffff', '\\uzzzz']) expect(decodeRawUnicodeEscape(latin1(bad))).toBeUndefined();
  });
});
