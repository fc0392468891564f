import { seededRandom } from '@condensenet/golden-fixtures';

export { seededRandom };

export function randomArray(n: number, rand: ReturnType<typeof seededRandom>, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rand(lo, hi));
}
