import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pthRoot } from '@condensenet/golden-fixtures';
import { describe, expect, it } from 'vitest';
import { plainBytes } from './bytes.js';
import { readTorchFile } from './torch/read.js';
import { isTorchTensor } from './torch/types.js';

describe('plainBytes', () => {
  it('views a Buffer as a plain Uint8Array without copying', () => {
    const buffer = Buffer.from([1, 2, 3, 4, 5]).subarray(1);
    const plain = plainBytes(buffer);
    expect(Object.getPrototypeOf(plain)).toBe(Uint8Array.prototype);
    expect(plain.buffer).toBe(buffer.buffer);
    expect(Array.from(plain)).toEqual([2, 3, 4, 5]);
    const array = new Uint8Array(3);
    expect(plainBytes(array)).toBe(array);
  });

  it('lets a torch file read straight from readFileSync (a Buffer) give tensors of their own', () => {
    const { root } = readTorchFile(readFileSync(join(pthRoot, 'converted_checkpoint_006.pth.tar')), 'converted');
    const stateDict = (root as Map<string, unknown>).get('state_dict') as Map<string, unknown>;
    const weight = stateDict.get('module.features.init_conv.weight');
    expect(isTorchTensor(weight)).toBe(true);
    if (!isTorchTensor(weight)) return;
    expect(weight.data.length).toBe(8 * 3 * 3 * 3);
    expect(weight.data.buffer.byteLength).toBe(weight.data.byteLength);
  });
});
