import { describe, expect, it } from 'vitest';
import { buildPlan } from '../plan/index.js';
import { learnedConnectivity } from './learned-connectivity.js';

// Two blocks of two layers, G = C = 2: stem 8 channels (2 x the first growth), growth 4 then 8.
const plan = buildPlan({ stages: [2, 2], growth: [4, 8], group1x1: 2, condenseFactor: 2, group3x3: 1, poolSize: 16 });

/** Each group reads every other channel, group 0 the even ones and group 1 the odd ones. */
function interleaved(name: string): Int32Array {
  const inputs = name === 'classifier.index' ? plan.head.features : plan.blocks.flatMap((b) => b.layers).find((l) => name.startsWith(l.torchPrefix))!.inChannels;
  if (name === 'classifier.index') return Int32Array.from({ length: plan.head.condensedFeatures }, (_, i) => inputs - 1 - i);
  const half = inputs / 2;
  return Int32Array.from({ length: inputs }, (_, i) => (i < half ? 2 * i : 2 * (i - half) + 1));
}

describe('learnedConnectivity', () => {
  const layers = learnedConnectivity(plan, interleaved);

  it('lists every condensed layer, then the classifier, with their source layers across blocks', () => {
    expect(layers.map((l) => `${l.label}:${l.groups}x${l.inputs}`)).toEqual(['b1.l1:2x8', 'b1.l2:2x12', 'b2.l1:2x16', 'b2.l2:2x24', 'classifier:1x32']);
    expect(layers[3].sources.map((s) => `${s.label}@${s.start}+${s.width}`)).toEqual(['stem@0+8', 'b1.l1@8+4', 'b1.l2@12+4', 'b2.l1@16+8']);
    expect(layers[3].block).toBe(1);
    expect(layers[4].block).toBe(2);
  });

  it('counts the channels of each source every group reads', () => {
    // b1.l2 has 12 inputs: group 0 reads the even ones (4 of the stem's 8, 2 of b1.l1's 4), group 1 the odd ones.
    const b1l2 = layers[1];
    expect(b1l2.perGroup).toBe(6);
    expect(Array.from(b1l2.kept)).toEqual([4, 2, 4, 2]);
    expect(b1l2.reads[0]).toBe(1);
    expect(b1l2.reads[1]).toBe(0);
    expect(b1l2.reads[12 + 1]).toBe(1);
    expect(Array.from(layers[3].kept)).toEqual([4, 2, 2, 4, 4, 2, 2, 4]);
    // The classifier keeps the last 16 of its 32 features: all of b2.l2's and b2.l1's.
    expect(Array.from(layers[4].kept)).toEqual([0, 0, 0, 8, 8]);
  });

  it('refuses an index of the wrong length, out of range, or reading a channel twice in a group', () => {
    const broken = (change: (name: string, index: Int32Array) => Int32Array) => () => learnedConnectivity(plan, (name) => change(name, interleaved(name)));
    expect(broken((n, i) => (n.includes('denselayer_2') ? i.subarray(1) : i))).toThrow(/denseblock_1\.denselayer_2\.conv_1\.index: 11 indices, expected 12/);
    expect(broken((n, i) => (n === 'classifier.index' ? i.fill(32, 0, 1) : i))).toThrow(/classifier\.index\[0\] = 32, outside the layer's 32 input channels/);
    expect(broken((n, i) => (n.includes('denseblock_1.denselayer_1') ? i.fill(0, 0, 2) : i))).toThrow(/group 0 reads channel 0 twice/);
    expect(() => learnedConnectivity(plan, () => undefined)).toThrow(/features\.denseblock_1\.denselayer_1\.conv_1\.index: missing; expected the int32 index tensor of a condensed model/);
    expect(() => learnedConnectivity(plan, () => new Float32Array(8))).toThrow(/index: not int32; expected/);
  });
});
