/**
 * A seed scope for weight initialisation. tfjs-layers draws each initialiser from an unseeded
 * generator, so two builds of one configuration start from different weights; inside
 * `withInitSeed(seed, ...)` every random initialiser created gets its own seed, derived from
 * `seed` and its creation order, so a seeded build (and the training run after it) is
 * reproducible.
 */
let scope: { seed: number; created: number } | undefined;

export function withInitSeed<T>(seed: number | undefined, build: () => T): T {
  if (seed === undefined) return build();
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`initialisation seed ${seed}: expected a non-negative integer`);
  }
  const outer = scope;
  scope = { seed, created: 0 };
  try {
    return build();
  } finally {
    scope = outer;
  }
}

/** The next initialiser's seed in the current scope; undefined outside one (tfjs's own randomness). */
export function nextInitSeed(): number | undefined {
  if (!scope) return undefined;
  scope.created += 1;
  // Distinct per initialiser and per run seed; alea hashes the number's text, so any integer works.
  return scope.seed * 100_003 + scope.created;
}
