import { InteropError } from '../errors.js';

/** What a learned group conv's `_mask` [O, R, 1, 1] shows of its groups and its pruning. */
export interface MaskPattern {
  /**
   * The fewest groups the rows follow (row o equals row o % period): the reference's groups
   * G are a multiple of it, and equal it once the groups have dropped different inputs.
   */
  period: number;
  /** Inputs each output has dropped; the reference drops as many in every group. */
  dropped: number;
}

export function maskPattern(mask: ArrayLike<number>, rows: number, name: string, source: string): MaskPattern {
  const cols = mask.length / rows;
  if (!Number.isInteger(cols)) {
    throw new InteropError(source, `${name} holds ${mask.length} values, not a multiple of its ${rows} outputs`);
  }
  const ids = rowIds(mask, rows, cols, name, source);
  const dropped = droppedPerRow(mask, 0, cols);
  for (let o = 1; o < rows; o++) {
    const d = droppedPerRow(mask, o, cols);
    if (d !== dropped) {
      throw new InteropError(
        source,
        `${name}: output ${o} has dropped ${d} inputs but output 0 has dropped ${dropped}; the reference drops as many in every group`,
      );
    }
  }
  return { period: smallestPeriod(ids), dropped };
}

/** Numbers the distinct rows in order of first appearance, so row comparisons are done once. */
function rowIds(mask: ArrayLike<number>, rows: number, cols: number, name: string, source: string): number[] {
  const firsts: number[] = [];
  const ids: number[] = [];
  for (let o = 0; o < rows; o++) {
    for (let j = 0; j < cols; j++) {
      const m = mask[o * cols + j];
      if (m !== 0 && m !== 1) throw new InteropError(source, `${name}[${o}, ${j}] = ${m}, expected 0 or 1`);
    }
    let id = firsts.findIndex((first) => sameRow(mask, first, o, cols));
    if (id < 0) {
      id = firsts.length;
      firsts.push(o);
    }
    ids.push(id);
  }
  return ids;
}

/** The smallest divisor d of the row count with ids[o] = ids[o % d] for every row. */
function smallestPeriod(ids: readonly number[]): number {
  for (let d = 1; d < ids.length; d++) {
    if (ids.length % d === 0 && ids.every((id, o) => id === ids[o % d])) return d;
  }
  return ids.length;
}

function sameRow(mask: ArrayLike<number>, a: number, b: number, cols: number): boolean {
  for (let j = 0; j < cols; j++) if (mask[a * cols + j] !== mask[b * cols + j]) return false;
  return true;
}

function droppedPerRow(mask: ArrayLike<number>, row: number, cols: number): number {
  let zeros = 0;
  for (let j = 0; j < cols; j++) if (mask[row * cols + j] === 0) zeros++;
  return zeros;
}

export function leastCommonMultiple(values: readonly number[]): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return values.reduce((acc, v) => (acc / gcd(acc, v)) * v, 1);
}
