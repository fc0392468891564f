/**
 * Argument checks shared by the condensation, conversion, layout and schedule modules.
 * Every message names the caller, the argument, the value received and what was expected,
 * because these functions are fed from checkpoints and configs where a silent wrong size
 * would only show up as a quietly wrong network much later.
 */

export function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  return Object.prototype.toString.call(value);
}

export function requirePositiveInteger(value: number, where: string, name: string): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${where}: ${name} = ${describe(value)} must be a positive integer`);
  }
}

export function requireNonNegativeInteger(value: number, where: string, name: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${where}: ${name} = ${describe(value)} must be a non-negative integer`);
  }
}

export function requireFinite(value: number, where: string, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${where}: ${name} = ${describe(value)} must be a finite number`);
  }
}

export function requireLength(
  array: ArrayLike<number>,
  expected: number,
  where: string,
  name: string,
  meaning: string,
): void {
  if (array === null || array === undefined || typeof array.length !== 'number') {
    throw new Error(`${where}: ${name} = ${describe(array)} must be an array of ${expected} numbers (${meaning})`);
  }
  if (array.length !== expected) {
    throw new Error(`${where}: ${name} has length ${array.length}, expected ${expected} (${meaning})`);
  }
}

export function requireIndicesInRange(index: Int32Array, bound: number, where: string, name: string): void {
  for (let s = 0; s < index.length; s++) {
    const v = index[s];
    if (v < 0 || v >= bound) {
      throw new Error(`${where}: ${name}[${s}] = ${v} is out of range, expected 0 <= ${name}[${s}] < ${bound}`);
    }
  }
}
