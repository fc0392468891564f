/**
 * xoshiro128** (Blackman & Vigna): four 32-bit words of state, fast in plain
 * JavaScript integer arithmetic, and small enough to save in a JSON checkpoint so
 * a resumed run draws exactly the numbers the interrupted one would have.
 */

/** The generator's complete state: four uint32 words, never all zero. */
export type RngState = readonly [number, number, number, number];

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(state: RngState) {
    [this.s0, this.s1, this.s2, this.s3] = state.map((w) => w >>> 0);
  }

  /** A generator seeded from any integer; equal seeds give equal streams. */
  static fromSeed(seed: number): Rng {
    if (!Number.isSafeInteger(seed)) throw new Error(`RNG seed must be a safe integer, got ${seed}`);
    // splitmix32 spreads a small seed over all four words so that seeds 0, 1, 2... give unrelated streams.
    let x = (seed >>> 0) ^ Math.floor(seed / 0x1_0000_0000);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      words.push((z ^ (z >>> 16)) >>> 0);
    }
    // The all-zero state is xoshiro's one fixed point.
    if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
    return new Rng(words as unknown as RngState);
  }

  static fromState(state: RngState): Rng {
    if (
      !Array.isArray(state) ||
      state.length !== 4 ||
      !state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff_ffff) ||
      state.every((w) => w === 0)
    ) {
      throw new Error(`RNG state must be four uint32 words, not all zero; got ${JSON.stringify(state)}`);
    }
    return new Rng(state);
  }

  state(): RngState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** Next uniform uint32. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n), without modulo bias (rejection sampling). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x1_0000_0000) throw new Error(`nextInt bound must be an integer in [1, 2^32], got ${n}`);
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
