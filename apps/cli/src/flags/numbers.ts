import { UsageError } from '../errors.js';

/** A whole-number flag (>= min), or undefined when absent. */
export function integerFlag(flag: string, text: string | undefined, min = 1): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min) throw new UsageError(`${flag} ${text}: expected an integer >= ${min}`);
  return value;
}

/** A non-negative number flag, or undefined when absent. */
export function numberFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`${flag} ${text}: expected a non-negative number`);
  }
  return value;
}
