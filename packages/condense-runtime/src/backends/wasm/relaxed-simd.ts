/**
 * Which build of asm/kernels.ts a kernel module runs: `relaxed-simd` (fused multiply-adds,
 * f32x4.relaxed_madd; its last bits may differ between CPUs), `simd` (a multiply then an add:
 * the same bits on every engine and CPU) or `javascript` (the port, equal to them up to rounding).
 */
export type KernelBuild = 'relaxed-simd' | 'simd' | 'javascript';

// (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/**
 * Whether this engine compiles relaxed SIMD: Chrome and Edge from 114, Node from 22, Node 20
 * behind --experimental-wasm-relaxed-simd (which the node entry turns on, see enableRelaxedSimd).
 * Not cached: the node entry may turn the feature on after a first answer.
 */
export function relaxedSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(PROBE);
}
