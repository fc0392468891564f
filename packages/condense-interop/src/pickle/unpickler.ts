import { plainBytes } from '../bytes.js';
import { InteropError } from '../errors.js';
import type { PickleKey, PickleObject, PickleValue } from '../torch/types.js';
import { DATA_ONLY_GLOBALS, describeAllowlist } from './allowed-globals.js';
import { ByteCursor } from './byte-cursor.js';
import { HIGHEST_PROTOCOL, OP, type OpcodeName, opcodeName } from './opcodes.js';
import { decodeQuotedString, decodeRawUnicodeEscape, normaliseInt, parseDecimalInt, parseFloatText } from './text-literals.js';
import { type AllowedGlobals, asKey, describe, type GlobalRef, type Unpickled } from './values.js';

export interface UnpickleOptions {
  /** Names the input in every error message (a file name). */
  source: string;
  /** What a persistent id (PERSID, BINPERSID) stands for; without it they are refused. */
  persistentLoad?: (pid: Unpickled) => Unpickled;
  /** The globals the pickle may name; DATA_ONLY_GLOBALS unless given. */
  globals?: AllowedGlobals;
}

/**
 * Reads one pickle (protocols 0-5) into plain data, executing nothing: every global it names
 * must be on the allowlist, and is refused when named, before anything could call it.
 * Bytes after the STOP opcode are ignored, as Python's pickle.loads does.
 */
export function unpickle(input: Uint8Array, options: UnpickleOptions): PickleValue {
  const bytes = plainBytes(input);
  return readPickle(bytes, 0, options).value;
}

/** One pickle starting at `start`; `end` is the offset just after its STOP (pickles may follow). */
export function readPickle(bytes: Uint8Array, start: number, options: UnpickleOptions): { value: PickleValue; end: number } {
  return new Unpickler(bytes, start, options).run();
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Unpickler {
  private readonly cursor: ByteCursor;
  private readonly source: string;
  private readonly globals: AllowedGlobals;
  private readonly persistentLoad: UnpickleOptions['persistentLoad'];
  /** The items since the innermost MARK; the enclosing ones wait on `marks` (CPython's metastack). */
  private stack: Unpickled[] = [];
  private readonly marks: Unpickled[][] = [];
  private readonly memo = new Map<number, Unpickled>();
  private opName: OpcodeName | undefined;
  private opOffset = 0;

  constructor(bytes: Uint8Array, start: number, options: UnpickleOptions) {
    this.source = options.source;
    this.globals = options.globals ?? DATA_ONLY_GLOBALS;
    this.persistentLoad = options.persistentLoad;
    this.cursor = new ByteCursor(bytes, start, (detail) => this.fail(detail));
  }

  private fail(detail: string): never {
    const where = this.opName ? `pickle opcode ${this.opName} at offset ${this.opOffset}` : `pickle at offset ${this.opOffset}`;
    throw new InteropError(this.source, `${where}: ${detail}`);
  }

  run(): { value: PickleValue; end: number } {
    const cursor = this.cursor;
    for (;;) {
      this.opOffset = cursor.pos;
      this.opName = undefined;
      if (cursor.remaining === 0) this.fail('truncated: the pickle ends before its STOP opcode');
      const byte = cursor.u8();
      this.opName = opcodeName(byte);
      if (this.opName === undefined) {
        this.fail(`unknown opcode 0x${byte.toString(16).padStart(2, '0')}`);
      }
      if (byte === OP.STOP) {
        const value = this.pop();
        return { value: this.plainData(value), end: cursor.pos };
      }
      this.step(byte);
    }
  }

  private step(byte: number): void {
    const cursor = this.cursor;
    switch (byte) {
      case OP.PROTO: {
        const protocol = cursor.u8();
        if (protocol > HIGHEST_PROTOCOL) this.fail(`unsupported pickle protocol ${protocol} (0-${HIGHEST_PROTOCOL} are read)`);
        return;
      }
      case OP.FRAME: {
        // Framing only groups opcodes for buffered readers; it still must fit in the input.
        const length = cursor.u64();
        if (length > cursor.remaining) this.fail(`truncated: a frame of ${length} bytes, only ${cursor.remaining} remain`);
        return;
      }
      case OP.MARK:
        this.marks.push(this.stack);
        this.stack = [];
        return;
      case OP.POP:
        // CPython pops a mark when the items since it are exhausted.
        if (this.stack.length > 0) this.stack.pop();
        else this.popMark();
        return;
      case OP.POP_MARK:
        this.popMark();
        return;
      case OP.DUP:
        this.stack.push(this.top());
        return;

      case OP.NONE:
        this.stack.push(null);
        return;
      case OP.NEWTRUE:
        this.stack.push(true);
        return;
      case OP.NEWFALSE:
        this.stack.push(false);
        return;
      case OP.INT:
        this.stack.push(this.textInt(false));
        return;
      case OP.LONG:
        this.stack.push(this.textInt(true));
        return;
      case OP.BININT:
        this.stack.push(cursor.i32());
        return;
      case OP.BININT1:
        this.stack.push(cursor.u8());
        return;
      case OP.BININT2:
        this.stack.push(cursor.u16());
        return;
      case OP.LONG1:
        this.stack.push(this.binaryLong(cursor.u8()));
        return;
      case OP.LONG4:
        this.stack.push(this.binaryLong(this.length(cursor.i32())));
        return;
      case OP.FLOAT: {
        const text = this.ascii(cursor.line());
        const value = parseFloatText(text);
        if (value === undefined) this.fail(`'${text}' is not a float`);
        this.stack.push(value);
        return;
      }
      case OP.BINFLOAT:
        this.stack.push(cursor.f64be());
        return;

      case OP.STRING: {
        const decoded = decodeQuotedString(cursor.line());
        if (decoded === undefined) this.fail('the argument is not a quoted, validly escaped string');
        this.stack.push(this.text(decoded));
        return;
      }
      case OP.BINSTRING:
        this.stack.push(this.text(cursor.take(this.length(cursor.i32()), 'the string')));
        return;
      case OP.SHORT_BINSTRING:
        this.stack.push(this.text(cursor.take(cursor.u8(), 'the string')));
        return;
      case OP.UNICODE: {
        const decoded = decodeRawUnicodeEscape(cursor.line());
        if (decoded === undefined) this.fail('the argument has a malformed \\u or \\U escape');
        this.stack.push(decoded);
        return;
      }
      case OP.BINUNICODE:
        this.stack.push(this.text(cursor.take(cursor.u32(), 'the string')));
        return;
      case OP.SHORT_BINUNICODE:
        this.stack.push(this.text(cursor.take(cursor.u8(), 'the string')));
        return;
      case OP.BINUNICODE8:
        this.stack.push(this.text(cursor.take(cursor.u64(), 'the string')));
        return;
      case OP.BINBYTES:
        this.stack.push(cursor.take(cursor.u32(), 'the bytes').slice());
        return;
      case OP.SHORT_BINBYTES:
        this.stack.push(cursor.take(cursor.u8(), 'the bytes').slice());
        return;
      case OP.BINBYTES8:
      case OP.BYTEARRAY8:
        this.stack.push(cursor.take(cursor.u64(), 'the bytes').slice());
        return;
      case OP.NEXT_BUFFER:
        this.fail('out-of-band buffers (pickle protocol 5 with buffer_callback) are not supported');
        return;
      case OP.READONLY_BUFFER:
        if (!(this.top() instanceof Uint8Array)) this.fail(`expects bytes on the stack, found ${describe(this.top())}`);
        return;

      case OP.EMPTY_LIST:
      case OP.EMPTY_TUPLE:
      case OP.EMPTY_SET:
        this.stack.push([]);
        return;
      case OP.LIST:
      case OP.TUPLE:
      case OP.FROZENSET: {
        // popMark replaces this.stack, so it must run before the push is looked up.
        const items = this.popMark();
        this.stack.push(items);
        return;
      }
      case OP.TUPLE1:
        this.stack.push([this.pop()]);
        return;
      case OP.TUPLE2: {
        const second = this.pop();
        this.stack.push([this.pop(), second]);
        return;
      }
      case OP.TUPLE3: {
        const third = this.pop();
        const second = this.pop();
        this.stack.push([this.pop(), second, third]);
        return;
      }
      case OP.APPEND: {
        const item = this.pop();
        this.listOnTop().push(item);
        return;
      }
      case OP.APPENDS:
      case OP.ADDITEMS: {
        const items = this.popMark();
        const list = this.listOnTop();
        for (const item of items) list.push(item);
        return;
      }
      case OP.EMPTY_DICT:
        this.stack.push(new Map());
        return;
      case OP.DICT: {
        const dict = new Map<PickleKey, Unpickled>();
        this.setItems(dict, this.popMark());
        this.stack.push(dict);
        return;
      }
      case OP.SETITEM: {
        const value = this.pop();
        const key = this.pop();
        this.dictOnTop().set(this.key(key), value);
        return;
      }
      case OP.SETITEMS: {
        const items = this.popMark();
        this.setItems(this.dictOnTop(), items);
        return;
      }

      case OP.PUT:
        this.memo.set(this.memoIndex(), this.top());
        return;
      case OP.BINPUT:
        this.memo.set(cursor.u8(), this.top());
        return;
      case OP.LONG_BINPUT:
        this.memo.set(cursor.u32(), this.top());
        return;
      case OP.MEMOIZE:
        this.memo.set(this.memo.size, this.top());
        return;
      case OP.GET:
        this.stack.push(this.recall(this.memoIndex()));
        return;
      case OP.BINGET:
        this.stack.push(this.recall(cursor.u8()));
        return;
      case OP.LONG_BINGET:
        this.stack.push(this.recall(cursor.u32()));
        return;

      case OP.GLOBAL: {
        const module = this.text(cursor.line());
        this.stack.push(this.resolve(module, this.text(cursor.line())));
        return;
      }
      case OP.STACK_GLOBAL: {
        const name = this.pop();
        const module = this.pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          this.fail(`expects a module and a name (two str), found ${describe(module)} and ${describe(name)}`);
        }
        this.stack.push(this.resolve(module, name));
        return;
      }
      case OP.INST: {
        const module = this.text(cursor.line());
        const target = this.resolve(module, this.text(cursor.line()));
        const result = this.call(target, this.popMark());
        this.stack.push(result);
        return;
      }
      case OP.OBJ: {
        const [target, ...args] = this.popMark();
        if (target === undefined) this.fail('expects a class after the MARK, found nothing');
        const result = this.call(target, args);
        this.stack.push(result);
        return;
      }
      case OP.REDUCE:
      case OP.NEWOBJ: {
        const args = this.pop();
        const target = this.pop();
        if (!Array.isArray(args)) this.fail(`expects an argument tuple, found ${describe(args)}`);
        this.stack.push(this.call(target, args));
        return;
      }
      case OP.NEWOBJ_EX: {
        const kwargs = this.pop();
        const args = this.pop();
        const target = this.pop();
        if (!Array.isArray(args)) this.fail(`expects an argument tuple, found ${describe(args)}`);
        if (!(kwargs instanceof Map) || kwargs.size > 0)
          this.fail(`keyword arguments are not supported, found ${describe(kwargs)}`);
        this.stack.push(this.call(target, args));
        return;
      }
      case OP.BUILD:
        this.build(this.pop(), this.top());
        return;
      case OP.PERSID:
        this.stack.push(this.persistent(this.ascii(this.cursor.line())));
        return;
      case OP.BINPERSID:
        this.stack.push(this.persistent(this.pop()));
        return;
      case OP.EXT1:
      case OP.EXT2:
      case OP.EXT4:
        this.fail('copyreg extension codes are not supported (nothing registers them for data)');
        return;
      default:
        this.fail(`opcode 0x${byte.toString(16)} is not handled`);
    }
  }

  private pop(): Unpickled {
    if (this.stack.length === 0)
      this.fail(this.marks.length > 0 ? 'stack underflow (nothing since the last MARK)' : 'stack underflow');
    return this.stack.pop() as Unpickled;
  }

  private top(): Unpickled {
    if (this.stack.length === 0)
      this.fail(this.marks.length > 0 ? 'stack underflow (nothing since the last MARK)' : 'stack underflow');
    return this.stack[this.stack.length - 1];
  }

  private popMark(): Unpickled[] {
    const outer = this.marks.pop();
    if (outer === undefined) this.fail('no MARK to pop to');
    const items = this.stack;
    this.stack = outer;
    return items;
  }

  private listOnTop(): Unpickled[] {
    const list = this.top();
    if (!Array.isArray(list)) this.fail(`expects a list or set on the stack, found ${describe(list)}`);
    return list;
  }

  private dictOnTop(): Map<PickleKey, Unpickled> {
    const dict = this.top();
    if (!(dict instanceof Map)) this.fail(`expects a dict on the stack, found ${describe(dict)}`);
    return dict as Map<PickleKey, Unpickled>;
  }

  private setItems(dict: Map<PickleKey, Unpickled>, items: Unpickled[]): void {
    if (items.length % 2 !== 0) this.fail(`expects key/value pairs, found ${items.length} items`);
    for (let i = 0; i < items.length; i += 2) dict.set(this.key(items[i]), items[i + 1]);
  }

  private key(value: Unpickled): PickleKey {
    const key = asKey(value);
    if (key === undefined)
      this.fail(`a dict key of type ${describe(value)} is not supported (str, int, float, bool or None expected)`);
    return key;
  }

  /** A length field of a signed opcode argument. */
  private length(value: number): number {
    if (value < 0) this.fail(`negative length ${value}`);
    return value;
  }

  private text(bytes: Uint8Array): string {
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail('the string is not valid UTF-8');
    }
  }

  /** The text argument of INT, LONG, FLOAT, GET, PUT and PERSID, which CPython decodes as ASCII. */
  private ascii(bytes: Uint8Array): string {
    if (bytes.some((byte) => byte >= 0x80)) this.fail('the text argument is not ASCII');
    return utf8.decode(bytes);
  }

  private textInt(isLong: boolean): number | bigint | boolean {
    let text = this.ascii(this.cursor.line());
    if (!isLong && text === '00') return false;
    if (!isLong && text === '01') return true;
    if (isLong && text.endsWith('L')) text = text.slice(0, -1);
    const value = parseDecimalInt(text);
    if (value === undefined) this.fail(`'${text.slice(0, 40)}' is not a decimal integer (of at most 4300 digits)`);
    return value;
  }

  /** LONG1/LONG4: a little-endian two's complement integer of `size` bytes. */
  private binaryLong(size: number): number | bigint {
    const bytes = this.cursor.take(size, 'the integer');
    if (size === 0) return 0;
    let hex = '';
    for (let i = size - 1; i >= 0; i--) hex += bytes[i].toString(16).padStart(2, '0');
    let value = BigInt(`0x${hex}`);
    if (bytes[size - 1] & 0x80) value -= 1n << BigInt(8 * size);
    return normaliseInt(value);
  }

  private memoIndex(): number {
    const text = this.ascii(this.cursor.line());
    const index = parseDecimalInt(text);
    if (typeof index !== 'number' || index < 0) this.fail(`'${text.slice(0, 40)}' is not a memo index`);
    return index;
  }

  private recall(index: number): Unpickled {
    const value = this.memo.get(index);
    if (value === undefined) this.fail(`memo key ${index} was never stored (PUT)`);
    return value;
  }

  /** The allowlist decides here, when the pickle names a global: nothing is looked up or run elsewhere. */
  private resolve(module: string, name: string): GlobalRef {
    const qualified = `${PYTHON2_MODULES.get(module) ?? module}.${name}`;
    const global = this.globals.get(qualified);
    if (global === undefined) {
      this.fail(`refuses global '${qualified}' (not on the allowlist of data-only globals: ${describeAllowlist(this.globals)})`);
    }
    return { kind: 'global', name: qualified, global };
  }

  private call(target: Unpickled, args: Unpickled[]): Unpickled {
    if (typeof target !== 'object' || target === null || !('kind' in target) || target.kind !== 'global') {
      this.fail(`can only call an allowlisted global, found ${describe(target)}`);
    }
    if (target.global.kind !== 'callable') this.fail(`'${target.name}' is not callable here`);
    return target.global.call(args, this.source);
  }

  /**
   * BUILD sets an object's state. An allowlisted class says how; an OrderedDict's state is
   * its Python attributes (a state_dict's `_metadata` of module versions), which plain data
   * has no place for, so they are dropped.
   */
  private build(state: Unpickled, target: Unpickled): void {
    if (target instanceof Map) {
      if (!(state instanceof Map) && state !== null)
        this.fail(`expects a dict of attributes for a dict, found ${describe(state)}`);
      return;
    }
    if (isPickleObject(target)) {
      const global = this.globals.get(target.className);
      if (global?.kind === 'callable' && global.setState) {
        global.setState(target, state, this.source);
        return;
      }
      for (const dict of Array.isArray(state) && state.length === 2 ? state : [state]) {
        if (dict === null) continue;
        if (!(dict instanceof Map)) this.fail(`expects a dict state for ${target.className}, found ${describe(dict)}`);
        for (const [key, value] of dict) target.state.set(key, value as PickleValue);
      }
      return;
    }
    this.fail(`cannot set the state of ${describe(target)}`);
  }

  private persistent(pid: Unpickled): Unpickled {
    if (!this.persistentLoad) this.fail('a persistent id, but no persistentLoad was given to resolve it');
    return this.persistentLoad(pid);
  }

  /**
   * The result may only hold plain data: a global or a handle left in it (a class pickled as
   * a value, a bare storage) is refused. Iterative, so hostile nesting cannot overflow.
   */
  private plainData(value: Unpickled): PickleValue {
    const seen = new Set<object>();
    const pending: Unpickled[] = [value];
    while (pending.length > 0) {
      const item = pending.pop() as Unpickled;
      if (typeof item !== 'object' || item === null || item instanceof Uint8Array || seen.has(item)) continue;
      seen.add(item);
      if (Array.isArray(item)) {
        for (const child of item) pending.push(child);
      } else if (item instanceof Map) {
        for (const child of item.values()) pending.push(child);
      } else if (item.kind === 'object') {
        for (const child of item.state.values()) pending.push(child);
      } else if (item.kind !== 'tensor') {
        this.fail(`the result holds ${describe(item)}, which is not data`);
      }
    }
    return value as PickleValue;
  }
}

/** Python 2 module names that pickles of protocol < 3 use (CPython maps them, fix_imports). */
const PYTHON2_MODULES = new Map([
  ['__builtin__', 'builtins'],
  ['copy_reg', 'copyreg'],
]);

function isPickleObject(value: Unpickled): value is PickleObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Map) &&
    !(value instanceof Uint8Array) &&
    value.kind === 'object'
  );
}
