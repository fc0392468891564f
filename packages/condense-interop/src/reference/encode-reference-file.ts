import type { ReferenceParameter } from '@condensenet/core';
import { InteropError } from '../errors.js';
import { encodeSafetensors } from '../safetensors/write.js';
import type { TorchTensor } from '../torch/types.js';
import { encodeTorchZip } from '../torch/write.js';
import { DESCRIPTION_KEY, encodeDescription, type SavedDescription } from './description.js';

export type ExportFormat = 'pytorch' | 'onnx' | 'safetensors';

/**
 * A state_dict under the reference's names as a torch zip file (`{'state_dict': OrderedDict,
 * 'condensenet': description}`, what the authors' code loads with `load_state_dict`) or as
 * safetensors (the description in the metadata). `parameters` (core's referenceParameters of
 * the model) fixes the order and the torch dtypes: indices and BN counters are int64 there.
 */
export function encodeReferenceFile(
  format: Exclude<ExportFormat, 'onnx'>,
  stateDict: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array | Int32Array }>,
  parameters: readonly ReferenceParameter[],
  description: SavedDescription,
): Uint8Array {
  const tensors = new Map<string, TorchTensor>();
  for (const p of parameters) {
    const entry = stateDict.get(p.name);
    const count = p.shape.reduce((a, b) => a * b, 1);
    if (!entry) throw new InteropError(`${format} export`, `the model has no '${p.name}' (PyTorch shape [${p.shape}])`);
    if (entry.data.length !== count) {
      throw new InteropError(`${format} export`, `'${p.name}' holds ${entry.data.length} values, its PyTorch shape [${p.shape}] needs ${count}`);
    }
    const dtype = p.dtype === 'int32' ? 'int64' : 'float32';
    const data = dtype === 'float32' && !(entry.data instanceof Float32Array) ? Float32Array.from(entry.data) : entry.data;
    tensors.set(p.name, { kind: 'tensor', dtype, shape: [...p.shape], data, requiresGrad: false });
  }
  const text = encodeDescription(description);
  if (format === 'safetensors') return encodeSafetensors(tensors, { format: 'pt', [DESCRIPTION_KEY]: text });
  return encodeTorchZip({ state_dict: tensors, [DESCRIPTION_KEY]: text });
}
