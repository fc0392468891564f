/** Uniform floats in [0, 1) from a 32-bit LCG: the same test data on every run for the same seed. */
export function seededRandom(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32;
  };
}
