import { describe, expect, it } from 'vitest';
import { initialCondensationState } from '../condensation/state.js';
import { assertFullyCondensed } from './guard.js';
import { gatherByIndex } from './gather.js';
import { selectIndex } from './index-select.js';
import { repackGroupedWeight } from './repack.js';

const shape = { outChannels: 6, inChannels: 12, groups: 3, condenseFactor: 3 };

function maskKeeping(kept: number[][]): Float32Array {
  const mask = new Float32Array(72);
  for (let o = 0; o < 6; o++) for (const j of kept[o % 3]) mask[o * 12 + j] = 1;
  return mask;
}

describe('selectIndex', () => {
  it('takes the first K kept columns of each group in column order; a column may repeat across groups', () => {
    const index = selectIndex(maskKeeping([[3, 7, 9, 11], [1, 5, 10, 11], [5, 6, 8, 11]]), shape);
    expect(Array.from(index)).toEqual([3, 7, 9, 11, 1, 5, 10, 11, 5, 6, 8, 11]);
  });

  it('takes the first K when a group still keeps more (why conversion checks the stage first)', () => {
    expect(Array.from(selectIndex(initialCondensationState(shape).mask, shape))).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('names a group that keeps too few columns', () => {
    expect(() => selectIndex(maskKeeping([[0, 1, 2, 3], [4, 5, 6], [0, 1, 2, 3]]), shape)).toThrow(
      /selectIndex: group 1 of mask keeps 3 columns, expected at least inChannels \/ condenseFactor = 4/,
    );
  });
});

describe('repackGroupedWeight', () => {
  it('makes group outputs contiguous: W[g*(O/G)+k, t] = W[g+k*G, index[g*K+t]]', () => {
    const small = { outChannels: 4, inChannels: 4, groups: 2, condenseFactor: 2 };
    const weight = Float32Array.from({ length: 16 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4));
    const index = Int32Array.from([1, 3, 0, 2]);
    // Output rows 0, 2 form group 0 and rows 1, 3 group 1.
    expect(Array.from(repackGroupedWeight(weight, index, small))).toEqual([1, 3, 21, 23, 10, 12, 30, 32]);
  });

  it('names bad lengths and out-of-range indices', () => {
    const weight = new Float32Array(72);
    expect(() => repackGroupedWeight(weight, new Int32Array(11), shape)).toThrow(
      /repackGroupedWeight: index has length 11, expected 12/,
    );
    expect(() => repackGroupedWeight(weight.subarray(1), new Int32Array(12), shape)).toThrow(
      /repackGroupedWeight: weight has length 71, expected 72/,
    );
    const index = new Int32Array(12);
    index[5] = 12;
    expect(() => repackGroupedWeight(weight, index, shape)).toThrow(/repackGroupedWeight: index\[5\] = 12 is out of range, expected 0 <= index\[5\] < 12/);
  });
});

describe('gatherByIndex', () => {
  it('copies values[index[s]], duplicates included', () => {
    expect(Array.from(gatherByIndex(Float32Array.from([5, 6, 7]), Int32Array.from([2, 0, 2])))).toEqual([7, 5, 7]);
  });

  it('names an out-of-range index', () => {
    expect(() => gatherByIndex(new Float32Array(3), Int32Array.from([0, -1]))).toThrow(/gatherByIndex: index\[1\] = -1 is out of range/);
  });
});

describe('assertFullyCondensed', () => {
  it('passes at stage C - 1 and names the layer otherwise', () => {
    expect(() => assertFullyCondensed({ stage: 2 }, shape)).not.toThrow();
    expect(() => assertFullyCondensed({ stage: 1 }, shape, 'block 1 layer 2')).toThrow(
      /block 1 layer 2: cannot convert a layer at condensing stage 1; it must reach stage condenseFactor - 1 = 2/,
    );
  });
});
