import { InteropError } from '../errors.js';
import { formatShape } from './format.js';
import type { ShapedEntry } from './types.js';

/** The shape of a tensor inference cannot do without; `purpose` says what it was needed for. */
export function requireShape(
  stateDict: ReadonlyMap<string, ShapedEntry>,
  name: string,
  rank: number,
  purpose: string,
  source: string,
): readonly number[] {
  const entry = stateDict.get(name);
  if (entry === undefined) throw new InteropError(source, `missing ${name}, needed for ${purpose}`);
  if (entry.shape.length !== rank) {
    throw new InteropError(source, `${name} has shape ${formatShape(entry.shape)}, expected ${rank} dimensions (${purpose})`);
  }
  return entry.shape;
}

/** The value of a one-element counter buffer (`_stage`, `_count`), or undefined without data. */
export function counterValue(entry: ShapedEntry, name: string, source: string): number | undefined {
  if (entry.data === undefined) return undefined;
  if (entry.data.length !== 1) {
    throw new InteropError(source, `${name} holds ${entry.data.length} values, expected 1`);
  }
  const value = entry.data[0];
  if (!(Number.isInteger(value) && value >= 0)) {
    throw new InteropError(source, `${name} = ${value}, expected a non-negative whole number`);
  }
  return value;
}
