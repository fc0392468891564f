import { describe, expect, it } from 'vitest';
import { InteropError } from '../errors.js';
import { describeWithTorch } from '../test-support/python-torch.js';
import { Pickler } from './pickler.js';

/** Pickle bytes of whatever `write` writes, without the PROTO header and STOP. */
function body(write: (p: Pickler) => void): number[] {
  const p = new Pickler();
  write(p);
  const bytes = [...p.finish()];
  expect(bytes.slice(0, 2)).toEqual([0x80, 2]);
  expect(bytes.at(-1)).toBe(0x2e);
  return bytes.slice(2, -1);
}

/** A JSON-like value: arrays are lists, `{ tuple }` tuples, other objects dicts; `{ float }` a float. */
type Py = null | boolean | number | bigint | string | Py[] | { tuple: Py[] } | { float: number } | { dict: [Py, Py][] };

function save(p: Pickler, value: Py): void {
  if (value === null) return p.none();
  if (typeof value === 'boolean') return p.bool(value);
  if (typeof value === 'bigint') return p.int(value);
  if (typeof value === 'number') return Number.isSafeInteger(value) ? p.int(value) : p.float(value);
  if (typeof value === 'string') return p.string(value);
  if (Array.isArray(value)) return p.list(value, (item) => save(p, item));
  if ('tuple' in value) return p.tuple(value.tuple.length, () => value.tuple.forEach((item) => save(p, item)));
  if ('float' in value) return p.float(value.float);
  p.dict(value.dict, ([k, v]) => {
    save(p, k);
    save(p, v);
  });
}

describe('Pickler opcodes', () => {
  it('picks the shortest int opcode at each boundary, as Python does', () => {
    expect(body((p) => p.int(0))).toEqual([0x4b, 0]);
    expect(body((p) => p.int(255))).toEqual([0x4b, 0xff]);
    expect(body((p) => p.int(256))).toEqual([0x4d, 0x00, 0x01]);
    expect(body((p) => p.int(65535))).toEqual([0x4d, 0xff, 0xff]);
    expect(body((p) => p.int(65536))).toEqual([0x4a, 0x00, 0x00, 0x01, 0x00]);
    expect(body((p) => p.int(-1))).toEqual([0x4a, 0xff, 0xff, 0xff, 0xff]);
    expect(body((p) => p.int(2 ** 31 - 1))).toEqual([0x4a, 0xff, 0xff, 0xff, 0x7f]);
    expect(body((p) => p.int(-(2 ** 31)))).toEqual([0x4a, 0x00, 0x00, 0x00, 0x80]);
    // LONG1 payloads are minimal two's complement: 2^31 needs a fifth byte for the sign.
    expect(body((p) => p.int(2 ** 31))).toEqual([0x8a, 5, 0x00, 0x00, 0x00, 0x80, 0x00]);
    expect(body((p) => p.int(-(2 ** 31) - 1))).toEqual([0x8a, 5, 0xff, 0xff, 0xff, 0x7f, 0xff]);
    expect(body((p) => p.int(-(2n ** 63n)))).toEqual([0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x80]);
    expect(body((p) => p.int(2n ** 64n - 1n))).toEqual([0x8a, 9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]);
  });

  it('writes floats big-endian and strings as length-prefixed UTF-8', () => {
    expect(body((p) => p.float(1.5))).toEqual([0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]);
    expect(body((p) => p.float(-0))).toEqual([0x47, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    expect(body((p) => p.string('é'))).toEqual([0x58, 2, 0, 0, 0, 0xc3, 0xa9, 0x71, 0]);
  });

  it('memoizes strings and globals by value and fetches repeats with BINGET', () => {
    const bytes = body((p) =>
      p.tuple(4, () => {
        p.string('cpu');
        p.global('collections', 'OrderedDict');
        p.string('cpu');
        p.global('collections', 'OrderedDict');
      }),
    );
    const globalBytes = [...new TextEncoder().encode('collections\nOrderedDict\n')];
    expect(bytes).toEqual([
      0x28,
      ...[0x58, 3, 0, 0, 0, 0x63, 0x70, 0x75, 0x71, 0],
      ...[0x63, ...globalBytes, 0x71, 1],
      ...[0x68, 0],
      ...[0x68, 1],
      0x74,
      ...[0x71, 2],
    ]);
  });

  it('switches to LONG_BINPUT and LONG_BINGET past memo slot 255', () => {
    const bytes = body((p) => {
      for (let i = 0; i < 257; i++) p.memoize();
      p.get(256);
    });
    expect(bytes.slice(255 * 2, 255 * 2 + 2)).toEqual([0x71, 255]);
    expect(bytes.slice(256 * 2)).toEqual([0x72, 0x00, 0x01, 0, 0, 0x6a, 0x00, 0x01, 0, 0]);
  });

  it('uses TUPLE1..3 for small tuples, MARK..TUPLE for longer ones, and never memoizes ()', () => {
    expect(body((p) => p.tuple(0, () => {}))).toEqual([0x29]);
    expect(body((p) => p.tuple(1, () => p.none()))).toEqual([0x4e, 0x85, 0x71, 0]);
    expect(body((p) => p.tuple(3, () => [1, 2, 3].forEach((n) => p.int(n))))).toEqual([0x4b, 1, 0x4b, 2, 0x4b, 3, 0x87, 0x71, 0]);
    expect(body((p) => p.tuple(4, () => [1, 2, 3, 4].forEach((n) => p.int(n))))).toEqual([
      0x28, 0x4b, 1, 0x4b, 2, 0x4b, 3, 0x4b, 4, 0x74, 0x71, 0,
    ]);
  });

  it('batches items by 1000 and uses APPEND/SETITEM as CPython does: for a one-item list or dict, or a one-item batch of an OrderedDict', () => {
    expect(body((p) => p.list([7], (n) => p.int(n)))).toEqual([0x5d, 0x71, 0, 0x4b, 7, 0x61]);
    expect(body((p) => p.list([], (n: number) => p.int(n)))).toEqual([0x5d, 0x71, 0]);
    const items = Array.from({ length: 1001 }, () => 0);
    const indices: number[] = [];
    const bytes = body((p) =>
      p.list(items, (n, index) => {
        indices.push(index);
        p.int(n);
      }),
    );
    expect(indices).toEqual(items.map((_, i) => i));
    expect(bytes.slice(0, 4)).toEqual([0x5d, 0x71, 0, 0x28]);
    expect(bytes.slice(4 + 2000)).toEqual([0x65, 0x28, 0x4b, 0, 0x65]);

    expect(body((p) => p.dict([7], (n) => {
      p.int(n);
      p.none();
    }))).toEqual([0x7d, 0x71, 0, 0x4b, 7, 0x4e, 0x73]);
    const setItems = body((p) => p.setItems(items, (n) => {
      p.int(n);
      p.none();
    }));
    expect(setItems.slice(0, 1)).toEqual([0x28]);
    expect(setItems.slice(1 + 3000)).toEqual([0x75, 0x4b, 0, 0x4e, 0x73]);
  });

  it('refuses what Python could not read back the same', () => {
    expect(() => new Pickler().int(2 ** 53)).toThrow(InteropError);
    expect(() => new Pickler().int(1.5)).toThrow(/1.5 is not an exact integer/);
    expect(() => new Pickler().string('a\uD800b')).toThrow(/lone UTF-16 surrogate/);
    expect(() => new Pickler().global('torch', 'Float Storage')).toThrow(/not two non-empty ASCII names/);
    expect(() => new Pickler().global('', 'x')).toThrow(InteropError);
  });
});

describeWithTorch('Pickler against CPython pickle.dumps(protocol=2)', (python) => {
  const value: Py = [
    [0, 1, 255, 256, 65535, 65536, -1, -256, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53 - 1)],
    [2n ** 63n - 1n, -(2n ** 63n), 2n ** 100n],
    [0.5, { float: -0 }, { float: 0 }, { float: -0 }, 1e300, -2.5e-310, { float: Infinity }],
    ['', 'ascii', 'héllo ✓ 𝄞', 'line\nbreak "quoted"', 'ascii', 'héllo ✓ 𝄞'],
    [true, false, null],
    [{ tuple: [] }, { tuple: [1] }, { tuple: [1, 'a'] }, { tuple: [1, 2, 3] }, { tuple: [1, 2, 3, 4, [5]] }],
    { dict: [] },
    { dict: [['only', 1]] },
    { dict: [['a', [1]], [2, 'b'], [null, true], [{ tuple: [1, 2] }, { dict: [['ascii', 'ascii']] }]] },
    Array.from({ length: 1001 }, (_, i) => i),
    { dict: Array.from({ length: 1001 }, (_, i) => [`key ${i}`, i] as [Py, Py]) },
    Array.from({ length: 300 }, (_, i) => `memo ${i}`),
  ];

  const script = String.raw`
import difflib, io, pickle, pickletools, sys
value = [
    [0, 1, 255, 256, 65535, 65536, -1, -256, 2**31 - 1, 2**31, -2**31, -2**31 - 1, 2**53 - 1, -(2**53 - 1)],
    [2**63 - 1, -2**63, 2**100],
    [0.5, -0.0, 0.0, -0.0, 1e300, -2.5e-310, float('inf')],
    ['', 'ascii', 'h\u00e9llo \u2713 \U0001d11e', 'line\nbreak "quoted"', 'ascii', 'h\u00e9llo \u2713 \U0001d11e'],
    [True, False, None],
    [(), (1,), (1, 'a'), (1, 2, 3), (1, 2, 3, 4, [5])],
    {},
    {'only': 1},
    {'a': [1], 2: 'b', None: True, (1, 2): {'ascii': 'ascii'}},
    list(range(1001)),
    {'key %d' % i: i for i in range(1001)},
    ['memo %d' % i for i in range(300)],
]
# Equal strings must be one object, as the JS pickler memoizes them by value.
interned = {}
def share(v):
    if isinstance(v, str): return interned.setdefault(v, v)
    if isinstance(v, list): return [share(x) for x in v]
    if isinstance(v, tuple): return tuple(share(x) for x in v)
    if isinstance(v, dict): return {share(k): share(x) for k, x in v.items()}
    return v
value = share(value)
ours = bytes.fromhex(sys.argv[1])
assert pickle.loads(ours) == value, 'loads(ours) differs'
theirs = pickle.dumps(value, protocol=2)
if ours != theirs:
    def dis(data):
        out = io.StringIO()
        pickletools.dis(data, out)
        return out.getvalue().splitlines()
    sys.stdout.write('\n'.join(difflib.unified_diff(dis(theirs), dis(ours), 'python', 'ours', lineterm='', n=2)))
`;

  it('writes byte-for-byte what CPython writes, and CPython loads it back equal', () => {
    const p = new Pickler();
    save(p, value);
    const ours = Buffer.from(p.finish()).toString('hex');
    // Python prints the disassembly diff of the two pickles when they differ.
    expect(python.run(script, [ours])).toBe('');
  });
});
