/**
 * The seeded generator every package's tests draw random data from (mulberry32): the same
 * numbers on every run and machine for a seed, so a failing case can be replayed. Test-only,
 * like the rest of this package.
 */
export function seededRandom(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = 0, hi = 1) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + (((t ^ (t >>> 14)) >>> 0) / 4294967296) * (hi - lo);
  };
}
