import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import type { PickleValue } from '../torch/types.js';
import { DATA_ONLY_GLOBALS } from './allowed-globals.js';
import { OP } from './opcodes.js';
import { readPickle, unpickle } from './unpickler.js';
import type { AllowedGlobal, Unpickled } from './values.js';

const encoder = new TextEncoder();

/** Opcodes and their raw arguments, concatenated: numbers are bytes, strings their UTF-8. */
function bytesOf(...parts: (number | string | Uint8Array | number[])[]): Uint8Array {
  const chunks = parts.map((part) =>
    typeof part === 'number' ? [part] : typeof part === 'string' ? [...encoder.encode(part)] : [...part],
  );
  return Uint8Array.from(chunks.flat());
}

function le(value: number, size: number): number[] {
  return Array.from({ length: size }, (_, i) => Number((BigInt(value) >> BigInt(8 * i)) & 0xffn));
}

function unicode(text: string): number[] {
  const utf8 = encoder.encode(text);
  return [OP.BINUNICODE, ...le(utf8.length, 4), ...utf8];
}

function global(module: string, name: string): number[] {
  return [OP.GLOBAL, ...encoder.encode(`${module}\n${name}\n`)];
}

function load(...parts: (number | string | Uint8Array | number[])[]): PickleValue {
  return unpickle(bytesOf(OP.PROTO, 2, ...parts, OP.STOP), { source: 'test.pkl' });
}

function refusal(bytes: Uint8Array, options: Partial<Parameters<typeof unpickle>[1]> = {}): InteropError {
  try {
    unpickle(bytes, { source: 'test.pkl', ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(InteropError);
    return error as InteropError;
  }
  throw new Error('expected an InteropError');
}

function refused(...parts: (number | string | Uint8Array | number[])[]): string {
  return refusal(bytesOf(OP.PROTO, 2, ...parts, OP.STOP)).message;
}

function toJsonable(value: PickleValue): unknown {
  if (typeof value === 'bigint') return { bigint: value.toString() };
  if (value instanceof Uint8Array) return { bytes: [...value] };
  if (Array.isArray(value)) return value.map(toJsonable);
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([k, v]) => [k === null ? 'null' : String(k), toJsonable(v)]));
  return value;
}

const fixtures = new URL('./fixtures/', import.meta.url);

describe('unpickle: what Python writes', () => {
  const expected = JSON.parse(readFileSync(new URL('expected.json', fixtures), 'utf8'));
  for (const protocol of [0, 1, 2, 3, 4, 5]) {
    it(`reads protocol ${protocol} as pickle.dumps wrote it`, () => {
      const bytes = new Uint8Array(readFileSync(new URL(`plain_protocol${protocol}.pkl`, fixtures)));
      const value = unpickle(bytes, { source: `plain_protocol${protocol}.pkl` }) as Map<string, PickleValue>;
      expect(toJsonable(value)).toEqual(expected);
      // The memo keeps Python's sharing: one list referenced twice is one array.
      expect(value.get('shared_a')).toBe(value.get('shared_b'));
      expect(value.get('big')).toBe(2n ** 70n);
    });
  }
});

describe('unpickle: opcodes', () => {
  it('reads every integer encoding, bigint only beyond 2^53', () => {
    expect(load(OP.BININT1, 200)).toBe(200);
    expect(load(OP.BININT2, ...le(65535, 2))).toBe(65535);
    expect(load(OP.BININT, ...le(-5, 4))).toBe(-5);
    expect(load(OP.LONG1, 0)).toBe(0);
    expect(load(OP.LONG1, 2, 0xff, 0x7f)).toBe(32767);
    expect(load(OP.LONG1, 1, 0xff)).toBe(-1);
    expect(load(OP.LONG1, 7, ...le(2 ** 53 - 1, 7))).toBe(2 ** 53 - 1);
    expect(load(OP.LONG1, 8, ...le(2 ** 53, 8))).toBe(2n ** 53n);
    expect(load(OP.LONG4, ...le(9, 4), ...new Array(8).fill(0), 0x80)).toBe(-(2n ** 71n));
    expect(load(OP.INT, '-12\n')).toBe(-12);
    expect(load(OP.INT, '01\n')).toBe(true);
    expect(load(OP.INT, '00\n')).toBe(false);
    expect(load(OP.LONG, '123456789012345678901L\n')).toBe(123456789012345678901n);
  });

  it('reads floats, strings and bytes', () => {
    expect(load(OP.BINFLOAT, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a)).toBe(0.1);
    expect(load(OP.FLOAT, '-inf\n')).toBe(-Infinity);
    expect(load(OP.SHORT_BINUNICODE, 3, 'h', 0xc3, 0xa9)).toBe('hé');
    expect(load(OP.BINUNICODE8, ...le(2, 8), 'ok')).toBe('ok');
    expect(load(OP.STRING, "'a\\x00\\n\\'b'\n")).toBe("a\u0000\n'b");
    expect(load(OP.SHORT_BINSTRING, 2, 'py')).toBe('py');
    expect(load(OP.BINSTRING, ...le(2, 4), 'py')).toBe('py');
    expect(load(OP.UNICODE, 'caf\\u00e9\n')).toBe('café');
    expect(load(OP.SHORT_BINBYTES, 2, 1, 2)).toEqual(Uint8Array.of(1, 2));
    expect(load(OP.BINBYTES8, ...le(1, 8), 9)).toEqual(Uint8Array.of(9));
    expect(load(OP.BYTEARRAY8, ...le(1, 8), 9, OP.READONLY_BUFFER)).toEqual(Uint8Array.of(9));
  });

  it('copies bytes out of the input', () => {
    const bytes = bytesOf(OP.SHORT_BINBYTES, 1, 7, OP.STOP);
    const value = unpickle(bytes, { source: 'test.pkl' }) as Uint8Array;
    bytes[2] = 0;
    expect(value[0]).toBe(7);
  });

  it('builds lists, tuples, dicts and sets', () => {
    expect(load(OP.MARK, OP.BININT1, 1, OP.BININT1, 2, OP.LIST, OP.BININT1, 3, OP.APPEND)).toEqual([1, 2, 3]);
    expect(load(OP.EMPTY_LIST, OP.MARK, OP.NONE, OP.NEWTRUE, OP.APPENDS)).toEqual([null, true]);
    expect(load(OP.MARK, OP.NEWFALSE, OP.TUPLE)).toEqual([false]);
    expect(load(OP.BININT1, 1, OP.BININT1, 2, OP.BININT1, 3, OP.TUPLE3)).toEqual([1, 2, 3]);
    expect(load(OP.MARK, ...unicode('k'), OP.BININT1, 1, OP.DICT)).toEqual(new Map([['k', 1]]));
    expect(load(OP.EMPTY_DICT, OP.BININT1, 5, OP.NONE, OP.SETITEM)).toEqual(new Map([[5, null]]));
    expect(load(OP.EMPTY_SET, OP.MARK, OP.BININT1, 1, OP.ADDITEMS)).toEqual([1]);
    expect(load(OP.MARK, OP.BININT1, 4, OP.FROZENSET)).toEqual([4]);
    expect(load(OP.EMPTY_TUPLE)).toEqual([]);
  });

  it('keeps the stack below a MARK apart from the items after it', () => {
    expect(load(OP.BININT1, 9, OP.MARK, OP.BININT1, 1, OP.TUPLE, OP.TUPLE2)).toEqual([9, [1]]);
    expect(load(OP.BININT1, 9, OP.MARK, OP.BININT1, 1, OP.POP_MARK)).toBe(9);
    // CPython's POP with nothing since the MARK pops the MARK.
    expect(load(OP.BININT1, 9, OP.MARK, OP.POP)).toBe(9);
    expect(load(OP.BININT1, 9, OP.BININT1, 8, OP.POP)).toBe(9);
  });

  it('memoises by reference, also cyclically', () => {
    const value = load(OP.EMPTY_LIST, OP.BINPUT, 0, OP.BINGET, 0, OP.APPEND) as PickleValue[];
    expect(value[0]).toBe(value);
    const pair = load(OP.EMPTY_LIST, OP.MEMOIZE, OP.LONG_BINGET, ...le(0, 4), OP.TUPLE2) as PickleValue[];
    expect(pair[0]).toBe(pair[1]);
    const text = load(OP.EMPTY_DICT, OP.PUT, '3\n', OP.GET, '3\n', OP.TUPLE2) as PickleValue[];
    expect(text[0]).toBe(text[1]);
    const dup = load(OP.EMPTY_LIST, OP.DUP, OP.TUPLE2) as PickleValue[];
    expect(dup[0]).toBe(dup[1]);
  });

  it('ignores FRAME hints that fit and what follows STOP', () => {
    expect(unpickle(bytesOf(OP.PROTO, 4, OP.FRAME, ...le(3, 8), OP.BININT1, 1, OP.STOP, 0xff, 0xff), { source: 't' })).toBe(1);
  });

  it('reads pickles one after another (what legacy torch files are)', () => {
    const bytes = bytesOf(OP.BININT1, 1, OP.STOP, OP.BININT1, 2, OP.STOP);
    const first = readPickle(bytes, 0, { source: 't' });
    expect(first).toEqual({ value: 1, end: 3 });
    expect(readPickle(bytes, first.end, { source: 't' })).toEqual({ value: 2, end: 6 });
  });

  it('hands persistent ids to persistentLoad', () => {
    const seen: Unpickled[] = [];
    const persistentLoad = (pid: Unpickled): Unpickled => {
      seen.push(pid);
      return 'loaded';
    };
    const bytes = bytesOf(
      OP.PROTO,
      2,
      OP.MARK,
      ...unicode('storage'),
      OP.BININT1,
      3,
      OP.TUPLE,
      OP.BINPERSID,
      OP.PERSID,
      'abc\n',
      OP.TUPLE2,
      OP.STOP,
    );
    expect(unpickle(bytes, { source: 't', persistentLoad })).toEqual(['loaded', 'loaded']);
    expect(seen).toEqual([['storage', 3], 'abc']);
    expect(refusal(bytes).message).toMatch(/BINPERSID at offset \d+: a persistent id, but no persistentLoad/);
  });

  it('reads deep nesting without recursing', () => {
    const depth = 100_000;
    const bytes = new Uint8Array(2 * depth + 2).fill(OP.APPEND);
    bytes.fill(OP.EMPTY_LIST, 0, depth);
    bytes[2 * depth - 1] = OP.STOP;
    let value = unpickle(bytes, { source: 't' }) as PickleValue[];
    let levels = 1;
    while (value.length > 0) {
      value = value[0] as PickleValue[];
      levels++;
    }
    expect(levels).toBe(depth);
  });
});

describe('unpickle: globals', () => {
  it('calls allowlisted globals, via GLOBAL, STACK_GLOBAL, INST, OBJ, NEWOBJ and NEWOBJ_EX', () => {
    const pairs = [OP.EMPTY_LIST, ...unicode('a'), OP.BININT1, 1, OP.TUPLE2, OP.APPEND];
    expect(load(...global('collections', 'OrderedDict'), ...pairs, OP.TUPLE1, OP.REDUCE)).toEqual(new Map([['a', 1]]));
    expect(load(...unicode('collections'), ...unicode('OrderedDict'), OP.STACK_GLOBAL, OP.EMPTY_TUPLE, OP.NEWOBJ)).toEqual(
      new Map(),
    );
    expect(load(...global('collections', 'OrderedDict'), OP.EMPTY_TUPLE, OP.EMPTY_DICT, OP.NEWOBJ_EX)).toEqual(new Map());
    expect(load(OP.MARK, OP.INST, 'collections\nOrderedDict\n')).toEqual(new Map());
    expect(load(OP.MARK, ...global('collections', 'OrderedDict'), OP.OBJ)).toEqual(new Map());
    expect(load(...global('__builtin__', 'set'), OP.EMPTY_LIST, OP.TUPLE1, OP.REDUCE)).toEqual([]);
  });

  it('sets the state of allowlisted objects with BUILD, and drops an OrderedDict attributes', () => {
    const namespace = load(
      ...global('argparse', 'Namespace'),
      OP.EMPTY_TUPLE,
      OP.NEWOBJ,
      OP.EMPTY_DICT,
      ...unicode('lr'),
      OP.BININT1,
      1,
      OP.SETITEM,
      OP.BUILD,
    );
    expect(namespace).toEqual({ kind: 'object', className: 'argparse.Namespace', state: new Map([['lr', 1]]) });
    const dict = load(
      ...global('collections', 'OrderedDict'),
      OP.EMPTY_TUPLE,
      OP.REDUCE,
      OP.EMPTY_DICT,
      ...unicode('_metadata'),
      OP.EMPTY_DICT,
      OP.SETITEM,
      OP.BUILD,
    );
    expect(dict).toEqual(new Map());
    expect(refused(OP.EMPTY_LIST, OP.EMPTY_DICT, OP.BUILD)).toMatch(/BUILD at offset 4: cannot set the state of tuple or list/);
  });

  for (const [module, name] of [
    ['posix', 'system'],
    ['os', 'system'],
    ['builtins', 'eval'],
    ['__builtin__', 'exec'],
    ['subprocess', 'Popen'],
    ['torch.serialization', 'load'],
    ['torch', 'load'],
    ['numpy.core.multiarray', '_reconstruct'],
    ['builtins', 'getattr'],
    ['copyreg', '_reconstructor'],
  ]) {
    it(`refuses ${module}.${name} when it is named, before anything could call it`, () => {
      const resolved = module === '__builtin__' ? `builtins.${name}` : `${module}.${name}`;
      const expected = new RegExp(
        `GLOBAL at offset 2: refuses global '${resolved.replace(/\./g, '\\.')}' \\(not on the allowlist of data-only globals: collections\\.OrderedDict, `,
      );
      expect(refused(...global(module, name), ...unicode('true'), OP.TUPLE1, OP.REDUCE)).toMatch(expected);
      const stacked = refused(...unicode(module), ...unicode(name), OP.STACK_GLOBAL, OP.EMPTY_TUPLE, OP.REDUCE);
      expect(stacked).toContain(
        `STACK_GLOBAL at offset ${12 + encoder.encode(module).length + encoder.encode(name).length}: refuses global '${resolved}'`,
      );
      expect(refused(OP.MARK, OP.INST, `${module}\n${name}\n`)).toContain(`INST at offset 3: refuses global '${resolved}'`);
    });
  }

  it('refuses at GLOBAL time: a REDUCE of an allowlisted function later in the pickle never runs', () => {
    const calls: Unpickled[][] = [];
    const spy: AllowedGlobal = {
      kind: 'callable',
      call: (args) => {
        calls.push(args);
        return null;
      },
    };
    const globals = new Map([...DATA_ONLY_GLOBALS, ['tests.spy', spy]]);
    const bytes = bytesOf(
      OP.PROTO,
      2,
      ...global('tests', 'spy'),
      OP.EMPTY_TUPLE,
      OP.REDUCE,
      ...global('posix', 'system'),
      OP.EMPTY_TUPLE,
      OP.REDUCE,
      ...global('tests', 'spy'),
      OP.EMPTY_TUPLE,
      OP.REDUCE,
      OP.STOP,
    );
    expect(refusal(bytes, { globals }).message).toContain("refuses global 'posix.system'");
    expect(calls).toEqual([[]]);
  });

  it('names the allowlist given', () => {
    const globals = new Map<string, AllowedGlobal>([['a.b', { kind: 'marker' }]]);
    expect(refusal(bytesOf(...global('collections', 'OrderedDict'), OP.STOP), { globals }).message).toBe(
      "test.pkl: pickle opcode GLOBAL at offset 0: refuses global 'collections.OrderedDict' (not on the allowlist of data-only globals: a.b)",
    );
  });

  it('calls only globals, and markers not at all', () => {
    expect(refused(OP.NONE, OP.EMPTY_TUPLE, OP.REDUCE)).toMatch(
      /REDUCE at offset 4: can only call an allowlisted global, found None/,
    );
    expect(refused(...global('torch', 'FloatStorage'), OP.EMPTY_TUPLE, OP.REDUCE)).toMatch(
      /'torch\.FloatStorage' is not callable here/,
    );
    expect(refused(...global('collections', 'OrderedDict'), OP.NONE, OP.REDUCE)).toMatch(/expects an argument tuple, found None/);
    expect(
      refused(
        ...global('collections', 'OrderedDict'),
        OP.EMPTY_TUPLE,
        OP.EMPTY_DICT,
        OP.BININT1,
        1,
        OP.BININT1,
        1,
        OP.SETITEM,
        OP.NEWOBJ_EX,
      ),
    ).toMatch(/keyword arguments are not supported/);
    expect(refused(OP.BININT1, 1, OP.BININT1, 2, OP.STACK_GLOBAL)).toMatch(
      /STACK_GLOBAL at offset 6: expects a module and a name \(two str\), found int and int/,
    );
  });

  it('refuses a result that holds a global or a handle rather than data', () => {
    expect(refused(...global('torch', 'FloatStorage'))).toMatch(
      /STOP at offset \d+: the result holds global 'torch\.FloatStorage', which is not data/,
    );
    const persistentLoad = (): Unpickled => ({ kind: 'handle', what: 'torch storage', value: 0 });
    const bytes = bytesOf(OP.PROTO, 2, OP.NONE, OP.BINPERSID, OP.TUPLE1, OP.STOP);
    expect(refusal(bytes, { persistentLoad }).message).toMatch(/the result holds torch storage, which is not data/);
  });
});

describe('unpickle: malformed input', () => {
  it.each([
    ['an unknown opcode', bytesOf(OP.PROTO, 2, 0xff, OP.STOP), /^test\.pkl: pickle at offset 2: unknown opcode 0xff$/],
    ['another unknown opcode', bytesOf(OP.NONE, 0x01), /pickle at offset 1: unknown opcode 0x01/],
    ['an empty input', new Uint8Array(0), /offset 0: truncated: the pickle ends before its STOP opcode/],
    ['no STOP', bytesOf(OP.PROTO, 2, OP.NONE), /offset 3: truncated: the pickle ends before its STOP/],
    [
      'a pickle protocol from the future',
      bytesOf(OP.PROTO, 6, OP.NONE, OP.STOP),
      /PROTO at offset 0: unsupported pickle protocol 6/,
    ],
    ['a stack underflow', bytesOf(OP.PROTO, 2, OP.APPEND, OP.STOP), /APPEND at offset 2: stack underflow/],
    ['STOP on an empty stack', bytesOf(OP.STOP), /STOP at offset 0: stack underflow/],
    [
      'an underflow past a MARK',
      bytesOf(OP.NONE, OP.MARK, OP.TUPLE1, OP.STOP),
      /TUPLE1 at offset 2: stack underflow \(nothing since the last MARK\)/,
    ],
    ['a missing MARK', bytesOf(OP.NONE, OP.TUPLE, OP.STOP), /TUPLE at offset 1: no MARK to pop to/],
    ['a missing MARK for SETITEMS', bytesOf(OP.EMPTY_DICT, OP.SETITEMS, OP.STOP), /SETITEMS at offset 1: no MARK to pop to/],
    ['a GET of an unset memo key', bytesOf(OP.BINGET, 4, OP.STOP), /BINGET at offset 0: memo key 4 was never stored \(PUT\)/],
    [
      'a LONG_BINGET of an unset key',
      bytesOf(OP.NONE, OP.BINPUT, 1, OP.LONG_BINGET, ...le(2, 4), OP.STOP),
      /LONG_BINGET at offset 3: memo key 2 was never stored/,
    ],
    ['a text GET of garbage', bytesOf(OP.GET, 'x\n', OP.STOP), /GET at offset 0: 'x' is not a memo index/],
    ['a PUT with nothing to store', bytesOf(OP.BINPUT, 0, OP.STOP), /BINPUT at offset 0: stack underflow/],
    ['a MEMOIZE with nothing to store', bytesOf(OP.MEMOIZE, OP.STOP), /MEMOIZE at offset 0: stack underflow/],
    [
      'a truncated argument',
      bytesOf(OP.BININT, 1, 2),
      /BININT at offset 0: truncated: a 4-byte argument needs 4 bytes, only 2 remain/,
    ],
    [
      'a length past the end',
      bytesOf(OP.BINUNICODE, ...le(1000, 4), 'abc', OP.STOP),
      /BINUNICODE at offset 0: truncated: the string needs 1000 bytes, only 4 remain/,
    ],
    [
      'an 8-byte length of 2^60',
      bytesOf(OP.BINBYTES8, ...le(2 ** 60, 8), OP.STOP),
      /BINBYTES8 at offset 0: truncated: the bytes needs 11529215046068\d+ bytes, only 1 remain/,
    ],
    ['a negative length', bytesOf(OP.BINSTRING, ...le(-1, 4), OP.STOP), /BINSTRING at offset 0: negative length -1/],
    [
      'a LONG4 past the end',
      bytesOf(OP.LONG4, ...le(2 ** 31 - 1, 4), OP.STOP),
      /LONG4 at offset 0: truncated: the integer needs 2147483647 bytes/,
    ],
    [
      'a frame past the end',
      bytesOf(OP.PROTO, 4, OP.FRAME, ...le(100, 8), OP.NONE, OP.STOP),
      /FRAME at offset 2: truncated: a frame of 100 bytes, only 2 remain/,
    ],
    [
      'a text argument without its newline',
      bytesOf(OP.INT, '12'),
      /INT at offset 0: truncated: a text argument has no terminating newline/,
    ],
    ['an INT that is not one', bytesOf(OP.INT, '1.5\n', OP.STOP), /INT at offset 0: '1\.5' is not a decimal integer/],
    [
      'an INT of too many digits',
      bytesOf(OP.LONG, '9'.repeat(5000), '\n', OP.STOP),
      /LONG at offset 0: '9{40}' is not a decimal integer \(of at most 4300 digits\)/,
    ],
    ['a non-ASCII PERSID', bytesOf(OP.PERSID, 0xe9, 0x0a, OP.STOP), /PERSID at offset 0: the text argument is not ASCII/],
    ['a FLOAT that is not one', bytesOf(OP.FLOAT, 'one\n', OP.STOP), /FLOAT at offset 0: 'one' is not a float/],
    [
      'an unquoted STRING',
      bytesOf(OP.STRING, 'abc\n', OP.STOP),
      /STRING at offset 0: the argument is not a quoted, validly escaped string/,
    ],
    [
      'a malformed UNICODE escape',
      bytesOf(OP.UNICODE, '\\u12\n', OP.STOP),
      /UNICODE at offset 0: the argument has a malformed \\u or \\U escape/,
    ],
    [
      'invalid UTF-8',
      bytesOf(OP.SHORT_BINUNICODE, 1, 0xff, OP.STOP),
      /SHORT_BINUNICODE at offset 0: the string is not valid UTF-8/,
    ],
    [
      'an odd count of dict items',
      bytesOf(OP.EMPTY_DICT, OP.MARK, OP.NONE, OP.SETITEMS, OP.STOP),
      /SETITEMS at offset 3: expects key\/value pairs, found 1 items/,
    ],
    [
      'a list as a dict key',
      bytesOf(OP.EMPTY_DICT, OP.EMPTY_LIST, OP.NONE, OP.SETITEM, OP.STOP),
      /SETITEM at offset 3: a dict key of type tuple or list is not supported/,
    ],
    [
      'APPEND to a dict',
      bytesOf(OP.EMPTY_DICT, OP.NONE, OP.APPEND, OP.STOP),
      /APPEND at offset 2: expects a list or set on the stack, found dict/,
    ],
    [
      'SETITEM on a list',
      bytesOf(OP.EMPTY_LIST, OP.NONE, OP.NONE, OP.SETITEM, OP.STOP),
      /SETITEM at offset 3: expects a dict on the stack, found tuple or list/,
    ],
    [
      'an OBJ without a class',
      bytesOf(OP.MARK, OP.OBJ, OP.STOP),
      /OBJ at offset 1: expects a class after the MARK, found nothing/,
    ],
    ['an extension code', bytesOf(OP.EXT1, 1, OP.STOP), /EXT1 at offset 0: copyreg extension codes are not supported/],
    ['an out-of-band buffer', bytesOf(OP.PROTO, 5, OP.NEXT_BUFFER, OP.STOP), /NEXT_BUFFER at offset 2: out-of-band buffers/],
    [
      'READONLY_BUFFER on no bytes',
      bytesOf(OP.NONE, OP.READONLY_BUFFER, OP.STOP),
      /READONLY_BUFFER at offset 1: expects bytes on the stack, found None/,
    ],
  ])('refuses %s with an InteropError naming the opcode and offset', (_, bytes, message) => {
    expect(refusal(bytes).message).toMatch(message);
  });
});
