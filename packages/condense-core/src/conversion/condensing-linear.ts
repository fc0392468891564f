import { requireFinite, requireLength, requirePositiveInteger } from '../condensation/checks.js';

function validateLinear(
  weight: Float32Array,
  outFeatures: number,
  inFeatures: number,
  keepFraction: number,
  where: string,
): number {
  requirePositiveInteger(outFeatures, where, 'outFeatures');
  requirePositiveInteger(inFeatures, where, 'inFeatures');
  requireLength(weight, outFeatures * inFeatures, where, 'weight', `outFeatures * inFeatures = ${outFeatures} * ${inFeatures}`);
  requireFinite(keepFraction, where, 'keepFraction');
  if (keepFraction <= 0 || keepFraction > 1) {
    throw new Error(`${where}: keepFraction = ${keepFraction} must be in (0, 1]`);
  }
  // The reference computes int(in_features * drop_rate), which truncates.
  const kept = Math.floor(inFeatures * keepFraction);
  if (kept < 1) {
    throw new Error(
      `${where}: keepFraction = ${keepFraction} of inFeatures = ${inFeatures} keeps no feature (floor(${inFeatures * keepFraction}) = 0)`,
    );
  }
  return kept;
}

/**
 * The reference CondensingLinear's index: sort input features by the sum over outputs of
 * |W[o, j]| ascending and keep the last floor(in * f). The kept ids stay in that ascending
 * importance order (not sorted by id), because the converted weight's columns follow it.
 * Column sums are rounded to float32 after each addition like the reference's float32 sum;
 * equal sums go to the lower id first.
 */
export function condensingLinearIndex(
  weight: Float32Array,
  outFeatures: number,
  inFeatures: number,
  keepFraction = 0.5,
): Int32Array {
  const kept = validateLinear(weight, outFeatures, inFeatures, keepFraction, 'condensingLinearIndex');
  const l1 = new Float32Array(inFeatures);
  for (let j = 0; j < inFeatures; j++) {
    let acc = 0;
    for (let o = 0; o < outFeatures; o++) acc = Math.fround(acc + Math.abs(weight[o * inFeatures + j]));
    l1[j] = acc;
  }
  const order = Array.from({ length: inFeatures }, (_, j) => j);
  order.sort((a, b) => l1[a] - l1[b] || a - b);
  return Int32Array.from(order.slice(inFeatures - kept));
}

/** The converted classifier: Linear over x[:, index] with the selected weight columns and the old bias. */
export function condenseLinear(
  weight: Float32Array,
  bias: Float32Array,
  outFeatures: number,
  inFeatures: number,
  keepFraction = 0.5,
): { index: Int32Array; weight: Float32Array; bias: Float32Array; inFeatures: number } {
  const where = 'condenseLinear';
  validateLinear(weight, outFeatures, inFeatures, keepFraction, where);
  requireLength(bias, outFeatures, where, 'bias', `outFeatures = ${outFeatures}`);
  const index = condensingLinearIndex(weight, outFeatures, inFeatures, keepFraction);
  const kept = index.length;
  const out = new Float32Array(outFeatures * kept);
  for (let o = 0; o < outFeatures; o++) {
    for (let t = 0; t < kept; t++) out[o * kept + t] = weight[o * inFeatures + index[t]];
  }
  return { index, weight: out, bias: Float32Array.from(bias), inFeatures: kept };
}
