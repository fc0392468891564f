import { referenceParameters } from '@condensenet/core';
import type { ArchitecturePlan, ReferenceParameter } from '@condensenet/core';
import { InteropError } from '../errors.js';

export const EXPORT_SOURCE = 'condensed ONNX export';

/**
 * The converted model's state_dict as the plan expects it: every tensor an inference graph reads
 * (BN's num_batches_tracked is not one) looked up by its reference name and checked for type,
 * length and, for indices, range.
 */
export class CondensedTensors {
  private readonly expected: Map<string, ReferenceParameter>;

  constructor(
    private readonly tensors: ReadonlyMap<string, Float32Array | Int32Array>,
    plan: ArchitecturePlan,
  ) {
    const used = referenceParameters(plan, 'condensed').filter((p) => p.role !== 'bn-num-batches');
    this.expected = new Map(used.map((p) => [p.name, p]));
    for (const p of used) this.checked(p.name);
  }

  /** A float tensor with its reference (PyTorch) shape, which is also ONNX's layout. */
  floats(name: string): { shape: number[]; data: Float32Array } {
    const data = this.checked(name);
    return { shape: this.parameter(name).shape, data: data as Float32Array };
  }

  /** An index tensor whose entries must each select one of `bound` channels or features. */
  index(name: string, bound: number): Int32Array {
    const data = this.checked(name) as Int32Array;
    const bad = data.findIndex((v) => v < 0 || v >= bound);
    if (bad >= 0) {
      const detail = `tensor '${name}' holds ${data[bad]} at position ${bad}, outside 0..${bound - 1}`;
      throw new InteropError(EXPORT_SOURCE, `${detail} (it selects from ${bound} channels)`);
    }
    return data;
  }

  private checked(name: string): Float32Array | Int32Array {
    const p = this.parameter(name);
    const data = this.tensors.get(name);
    if (data === undefined) throw new InteropError(EXPORT_SOURCE, `tensor '${name}' is missing`);
    const type = p.dtype === 'int32' ? Int32Array : Float32Array;
    if (!(data instanceof type)) {
      const detail = `tensor '${name}' is ${data.constructor.name} data, expected ${type.name}`;
      throw new InteropError(EXPORT_SOURCE, detail);
    }
    const count = p.shape.reduce((a, b) => a * b, 1);
    if (data.length !== count) {
      throw new InteropError(
        EXPORT_SOURCE,
        `tensor '${name}' has ${data.length} elements, expected ${count} (shape [${p.shape.join(', ')}])`,
      );
    }
    return data;
  }

  private parameter(name: string): ReferenceParameter {
    const p = this.expected.get(name);
    // Only the exporter asks for names, so an unknown one is a bug here, not in the caller's data.
    if (p === undefined) throw new Error(`no reference parameter '${name}' in the condensed plan`);
    return p;
  }
}
