import type { PickleKey, PickleObject, PickleValue } from '../torch/types.js';

/** A class or function a pickle named (GLOBAL, STACK_GLOBAL, INST), found on the allowlist. */
export interface GlobalRef {
  readonly kind: 'global';
  /** 'module.qualname', e.g. 'collections.OrderedDict'. */
  readonly name: string;
  readonly global: AllowedGlobal;
}

/**
 * Something that means something only while one pickle is read (a torch storage that a
 * persistent id stands for): an allowlisted function consumes it, it never reaches the result.
 */
export interface Handle {
  readonly kind: 'handle';
  /** What it is, for messages: 'torch storage'. */
  readonly what: string;
  readonly value: unknown;
}

/** What the pickle VM's stack holds: plain data plus the two kinds above, at any depth. */
export type Unpickled = PickleValue | GlobalRef | Handle | Unpickled[] | Map<PickleKey, Unpickled>;

/**
 * How an allowlisted global behaves. A 'callable' is what REDUCE, NEWOBJ, NEWOBJ_EX, INST
 * and OBJ may call: a pure function of its arguments building plain data (it throws
 * InteropError, naming `source`, for arguments it does not expect). `setState` is what BUILD
 * does to a PickleObject of this class (without it, a dict state is merged into the
 * object's). A 'marker' is only ever data: a name that another value refers to (the storage
 * classes in torch's persistent ids).
 */
export type AllowedGlobal =
  | {
      readonly kind: 'callable';
      call(args: Unpickled[], source: string): Unpickled;
      setState?(target: PickleObject, state: Unpickled, source: string): void;
    }
  | { readonly kind: 'marker' };

/** 'module.qualname' -> how it behaves. Anything not in it is refused at GLOBAL time. */
export type AllowedGlobals = ReadonlyMap<string, AllowedGlobal>;

/** A short description of a value's type, for messages. */
export function describe(value: Unpickled): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'string') return 'str';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'tuple or list';
  if (value instanceof Map) return 'dict';
  switch (value.kind) {
    case 'tensor':
      return 'tensor';
    case 'object':
      return value.className;
    case 'global':
      return `global '${value.name}'`;
    case 'handle':
      return value.what;
  }
}

/** A value that can key a dict here (a Map key with value semantics), or undefined. */
export function asKey(value: Unpickled): PickleKey | undefined {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  return undefined;
}
