import type { ReferenceParameter } from '@condensenet/core';
import { InteropError } from '../errors.js';
import { formatShape } from './format.js';
import type { ShapedEntry } from './types.js';

const SHOWN = 5;

/**
 * The state_dict must hold exactly the reference's names with their shapes, so nothing is
 * silently dropped or left at a default on import. `num_batches_tracked` may be absent: torch
 * before 0.4.1 did not write it.
 */
export function verifyStateDict(
  stateDict: ReadonlyMap<string, ShapedEntry>,
  expected: readonly ReferenceParameter[],
  what: string,
  source: string,
): void {
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const p of expected) {
    const entry = stateDict.get(p.name);
    if (entry === undefined) {
      if (p.role !== 'bn-num-batches') missing.push(`${p.name} ${formatShape(p.shape)}`);
    } else if (formatShape(entry.shape) !== formatShape(p.shape)) {
      wrong.push(`${p.name} expected ${formatShape(p.shape)}, found ${formatShape(entry.shape)}`);
    }
  }
  const names = new Set(expected.map((p) => p.name));
  const unexpected = [...stateDict]
    .filter(([name]) => !names.has(name))
    .map(([name, entry]) => `${name} ${formatShape(entry.shape)}`);
  const problems = [list('missing', missing), list('wrong shape', wrong), list('unexpected', unexpected)].filter((p) => p !== '');
  if (problems.length > 0) {
    throw new InteropError(source, `does not match ${what}: ${problems.join('; ')}`);
  }
}

function list(kind: string, items: readonly string[]): string {
  if (items.length === 0) return '';
  const more = items.length > SHOWN ? `, … ${items.length - SHOWN} more` : '';
  return `${kind} (${items.length}): ${items.slice(0, SHOWN).join(', ')}${more}`;
}
