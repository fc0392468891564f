import { configInputOf, goldenCase } from '@condensenet/golden-fixtures';
import { nchwToNhwc, resolveConfig } from '@condensenet/core';
import { expectedTensors } from '../artifact/expected.js';
import type { CondensedModel } from '../artifact/types.js';

/**
 * The reference's converted condensenet_tiny (stages 2-2-2, growth 4-8-16, G = C = 4) as a
 * CondensedModel, its input batch in NHWC and the logits the reference computed. Its input is
 * already what the network sees, so normalisation is the identity.
 */
export function goldenTiny(): { model: CondensedModel; images: Float32Array; shape: [number, number, number, number]; logits: Float32Array } {
  const golden = goldenCase('condensenet_tiny');
  const args = golden.config.args;
  const config = resolveConfig(configInputOf(args));
  const tensors = new Map<string, Float32Array | Int32Array>();
  for (const t of expectedTensors(config).tensors) tensors.set(t.name, golden.tensor(`converted.${t.name}`).data);
  const [n, c, h, w] = golden.config.input as [number, number, number, number];
  return {
    model: {
      config,
      batchNormEpsilon: golden.config.bn_eps,
      normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
      classes: Array.from({ length: config.numClasses }, (_, i) => `class ${i}`),
      tensors,
    },
    images: nchwToNhwc(golden.floats('x'), [n, c, h, w]),
    shape: [n, h, w, c],
    logits: golden.floats('converted.logits'),
  };
}
