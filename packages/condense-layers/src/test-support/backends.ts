import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { seededRandom } from '@condensenet/golden-fixtures';
import { expect } from 'vitest';

/** The backends every numeric test runs on in Node. */
export const BACKENDS = ['cpu', 'wasm'] as const;
export type BackendName = (typeof BACKENDS)[number];

export async function useBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not initialise`);
  await tf.ready();
}

/** Runs `fn` on `backend` and returns every tensor it produced as plain arrays. */
export async function onBackend(name: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await useBackend(name);
  const outs = tf.tidy(fn);
  const values = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outs);
  return values;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = ''): void {
  const d = maxAbsDiff(actual, expected);
  if (!(d <= tol)) throw new Error(`${what}: max abs diff ${d} > ${tol}`);
}

/** Seeded, so cpu and wasm see identical inputs. */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = seededRandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * scale;
  return out;
}

export function randomTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tensor(randomArray(shape.reduce((a, b) => a * b, 1), seed, scale), shape);
}
