import { buildPlan, learnedConnectivity } from '@condensenet/core';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { renderConnectivity } from './connectivity-figure.js';

describe('renderConnectivity', () => {
  const plan = buildPlan({ stages: [2, 2], growth: [4, 8], group1x1: 2, condenseFactor: 2, group3x3: 1, poolSize: 16 });
  // Every group reads the first channels of its inputs: all of the stem, none of the later layers.
  const layers = learnedConnectivity(plan, (name) => {
    const length = name === 'classifier.index' ? plan.head.condensedFeatures : plan.blocks.flatMap((b) => b.layers).find((l) => name.startsWith(l.torchPrefix))!.condensedInChannels;
    const perGroup = name === 'classifier.index' ? length : length / 2;
    return Int32Array.from({ length }, (_, i) => i % perGroup);
  });

  it('draws a readable PNG: a panel per block and the classifier, a row per group', () => {
    const png = PNG.sync.read(renderConnectivity(layers, 'tiny'));
    expect(png.width).toBeGreaterThanOrEqual(420);
    // Title, legend, three panels (8 group rows in the blocks, 1 for the classifier).
    expect(png.height).toBeGreaterThan(9 * 16 + 3 * 30);
    const colours = new Set<string>();
    for (let p = 0; p < png.width * png.height; p++) colours.add(png.data.subarray(4 * p, 4 * p + 3).join(','));
    // The darkest shade: a group reading every channel of the stem.
    expect(colours.has('8,48,107')).toBe(true);
  });
});
