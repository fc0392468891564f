import { isTorchTensor, type PickleKey, type PickleValue } from '../torch/types.js';

/** A shape as torch prints it, e.g. `[16, 24, 1, 1]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A configuration value as the reference's arguments write it: lists as `2-2-2`. */
export function formatSetting(value: unknown): string {
  return Array.isArray(value) ? value.join('-') : String(value);
}

/** What a pickled value is, in Python's words, so an error shows what the file really holds. */
export function describeValue(value: PickleValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'None';
  if (typeof value === 'boolean') return 'a bool';
  if (typeof value === 'number' || typeof value === 'bigint') return 'a number';
  if (typeof value === 'string') return 'a str';
  if (value instanceof Uint8Array) return `bytes (${value.length})`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value instanceof Map) return `a dict of ${value.size}`;
  if (isTorchTensor(value)) return `a tensor ${formatShape(value.shape)}`;
  return `an instance of ${value.className}`;
}

/** A dict's keys with the kind of each value, e.g. `epoch (a number), model (a str)`. */
export function describeEntries(map: ReadonlyMap<PickleKey, PickleValue>, limit = 8): string {
  if (map.size === 0) return 'no keys';
  const shown = [...map].slice(0, limit).map(([key, value]) => `${String(key)} (${describeValue(value)})`);
  return shown.join(', ') + (map.size > limit ? `, … ${map.size - limit} more` : '');
}
