import { describe, expect, it } from 'vitest';
import { randomArray, seededRandom } from '../../test-support/rng.js';
import { rowRange } from './forward.js';
import { STEM_CHANNELS, stageImageRows } from './stage-image.js';

describe('stageImageRows', () => {
  it.each([
    [5, 3, 1],
    [5, 3, 2],
    [7, 1, 3],
    [4, 4, 4],
  ])('%ix%i pixels of %i channels in %i parts: writes every float of the bordered input, (x - mean) / std inside and zeros around', (size, inChannels, parts) => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const mean = [0.1, 0.2, 0.3, 0.4].slice(0, inChannels);
    const std = [0.5, 0.25, 2, 4].slice(0, inChannels);
    const pad = (xs: number[], fill: number) => Array.from({ length: STEM_CHANNELS }, (_, c) => xs[c] ?? fill);
    const norm = 16;
    new Float64Array(memory.buffer, norm, 8).set([...pad(mean, 0), ...pad(std, 1)]);
    const raw = 128;
    const image = randomArray(size * size * inChannels, seededRandom(size + parts), 0, 1);
    new Float32Array(memory.buffer, raw, image.length).set(image);
    const dst = raw + image.length * 4 + 16;
    const bordered = size + 2;
    const out = new Float32Array(memory.buffer, dst, bordered * bordered * STEM_CHANNELS);
    out.fill(Number.NaN);
    for (let part = 0; part < parts; part++) {
      const [from, to] = rowRange(size, part, parts);
      stageImageRows(memory, { raw, size, inChannels, from, to, dst, norm });
    }
    const expected = new Float32Array(out.length);
    for (let h = 0; h < size; h++) {
      for (let w = 0; w < size; w++) {
        for (let c = 0; c < inChannels; c++) {
          expected[((h + 1) * bordered + w + 1) * STEM_CHANNELS + c] = (image[(h * size + w) * inChannels + c] - mean[c]) / std[c];
        }
      }
    }
    expect(out.slice()).toEqual(expected);
  });
});
