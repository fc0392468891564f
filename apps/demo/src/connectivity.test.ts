import { loadArtifactFromFile } from '@condensenet/runtime/node';
import { describe, expect, it } from 'vitest';
import type { LayerConnectivity } from '@condensenet/core';
import { connectivity, connectivityImage } from './connectivity.js';
import { KEPT_MODEL_MANIFEST } from './test-support/paths.js';

describe('connectivity of the kept Fashion-MNIST model', async () => {
  const layers = connectivity(await loadArtifactFromFile(KEPT_MODEL_MANIFEST));

  it('has one entry per condensed layer and the classifier, with the plan’s input widths', () => {
    expect(layers.map((l) => `${l.name}:${l.groups}x${l.inputs}`)).toEqual([
      'denseblock_1.denselayer_1:4x32', 'denseblock_1.denselayer_2:4x48', 'denseblock_1.denselayer_3:4x64',
      'denseblock_2.denselayer_1:4x80', 'denseblock_2.denselayer_2:4x112', 'denseblock_2.denselayer_3:4x144',
      'denseblock_3.denselayer_1:4x176', 'denseblock_3.denselayer_2:4x240', 'denseblock_3.denselayer_3:4x304',
      'classifier:1x368',
    ]);
  });

  it('has every group read a quarter of its inputs (C = 4), distinct channels, and the classifier keep half', () => {
    for (const layer of layers) {
      const fraction = layer.name === 'classifier' ? 2 : 4;
      expect(layer.perGroup).toBe(layer.inputs / fraction);
      for (let g = 0; g < layer.groups; g++) {
        const row = layer.reads.subarray(g * layer.inputs, (g + 1) * layer.inputs);
        expect(row.reduce((a, b) => a + b, 0)).toBe(layer.perGroup);
      }
    }
  });

  it('splits the inputs into contiguous source layers: the stem, then each earlier layer', () => {
    const last = layers[8];
    expect(last.sources.map((s) => s.label)).toEqual(['stem', 'b1.l1', 'b1.l2', 'b1.l3', 'b2.l1', 'b2.l2', 'b2.l3', 'b3.l1', 'b3.l2']);
    for (const layer of layers) {
      let next = 0;
      for (const s of layer.sources) {
        expect(s.start).toBe(next);
        next += s.width;
      }
      expect(next).toBe(layer.inputs);
    }
  });
});

describe('connectivityImage', () => {
  it('draws one cell per group and channel, read channels bright, segments in alternating tones', () => {
    const layer: LayerConnectivity = {
      name: 'tiny',
      label: 'b1.l2',
      block: 0,
      groups: 2,
      inputs: 3,
      perGroup: 1,
      reads: Uint8Array.from([1, 0, 0, 0, 0, 1]),
      sources: [
        { label: 'stem', block: -1, start: 0, width: 2 },
        { label: 'b1.l1', block: 0, start: 2, width: 1 },
      ],
      kept: Int32Array.from([1, 0, 0, 1]),
    };
    const { data, width, height } = connectivityImage(layer, 2, 3);
    expect([width, height]).toEqual([6, 6]);
    const at = (x: number, y: number) => Array.from(data.subarray((y * width + x) * 4, (y * width + x) * 4 + 4));
    expect(at(1, 2)).toEqual([255, 196, 61, 255]); // group 0 reads channel 0
    expect(at(2, 0)).toEqual([40, 44, 52, 255]); // channel 1, first segment, unread
    expect(at(4, 0)).toEqual([62, 68, 80, 255]); // channel 2, second segment, unread
    expect(at(5, 5)).toEqual([255, 196, 61, 255]); // group 1 reads channel 2
  });
});
