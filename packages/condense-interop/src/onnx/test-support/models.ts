import { buildPlan, referenceParameters, resolveConfig } from '@condensenet/core';
import type { CondenseNetConfigInput } from '@condensenet/core';
import { configInputOf, goldenCase, seededRandom } from '@condensenet/golden-fixtures';
import type { CondensedWeights } from '../export-condensed.js';

/** The golden condensenet_tiny converted model, its normalised input x [4, 3, 32, 32] and logits [4, 10]. */
export function goldenTiny(): { model: CondensedWeights; x: Float32Array; logits: Float32Array } {
  const golden = goldenCase('condensenet_tiny');
  const args = golden.config.args;
  const config = resolveConfig(configInputOf(args));
  const tensors = new Map<string, Float32Array | Int32Array>();
  for (const p of referenceParameters(buildPlan(config), 'condensed')) {
    tensors.set(p.name, golden.tensor(`converted.${p.name}`).data);
  }
  return {
    model: { config, tensors, batchNormEpsilon: golden.config.bn_eps },
    x: golden.floats('x'),
    logits: golden.floats('converted.logits'),
  };
}


/**
 * A condensed model of any configuration with random weights of the reference's shapes:
 * variance-preserving conv and linear weights, BN statistics away from degenerate values, and
 * indices drawn uniformly (repeats allowed) from the channels each one selects from.
 */
export function randomCondensedWeights(input: CondenseNetConfigInput, seed: number): CondensedWeights {
  const config = resolveConfig(input);
  const plan = buildPlan(config);
  const next = seededRandom(seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * next();
  const selectsFrom = new Map<string, number>(plan.blocks.flatMap((b) => b.layers.map((l) => [l.name, l.inChannels])));
  selectsFrom.set('classifier', plan.head.features);

  const tensors = new Map<string, Float32Array | Int32Array>();
  for (const p of referenceParameters(plan, 'condensed')) {
    const count = p.shape.reduce((a, b) => a * b, 1);
    const fanIn = p.shape.slice(1).reduce((a, b) => a * b, 1);
    const fill = (f: () => number) => Float32Array.from({ length: count }, f);
    switch (p.role) {
      case 'index': {
        const bound = selectsFrom.get(p.layer)!;
        tensors.set(p.name, Int32Array.from({ length: count }, () => Math.floor(next() * bound)));
        break;
      }
      case 'bn-num-batches':
        tensors.set(p.name, new Int32Array(1));
        break;
      case 'conv-weight':
      case 'linear-weight': {
        const a = Math.sqrt(6 / fanIn);
        tensors.set(p.name, fill(() => uniform(-a, a)));
        break;
      }
      case 'bn-weight':
        tensors.set(p.name, fill(() => uniform(0.5, 1.5)));
        break;
      case 'bn-running-var':
        tensors.set(p.name, fill(() => uniform(0.5, 2)));
        break;
      default:
        tensors.set(p.name, fill(() => uniform(-0.2, 0.2)));
    }
  }
  return { config, tensors, batchNormEpsilon: 1e-5 };
}
