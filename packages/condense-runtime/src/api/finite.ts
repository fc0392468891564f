/**
 * Whether every value is finite. A plain loop: `Float32Array.prototype.every(Number.isFinite)`
 * took 1.7 ms on one 224x224x3 image, 5% of a two-thread CondenseNet-74 run spent on one thread
 * before any kernel starts. `v - v` is 0 for a finite v and NaN for NaN and both infinities.
 */
export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) return false;
  }
  return true;
}
