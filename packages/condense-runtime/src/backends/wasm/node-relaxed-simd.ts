import { setFlagsFromString } from 'node:v8';
import { relaxedSimdSupported } from './relaxed-simd.js';

/**
 * Relaxed SIMD in this Node process, turned on where it is off: Node 20's V8 (11.3) implements it
 * completely but only behind --experimental-wasm-relaxed-simd; Node 22 ships it. The flag only
 * makes more modules valid, so turning it on cannot change how any other module runs. Returns
 * whether the engine now compiles it.
 */
export function enableRelaxedSimd(): boolean {
  if (relaxedSimdSupported()) return true;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return relaxedSimdSupported();
}
