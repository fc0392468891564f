import { preprocessImage, preprocessingFor } from '@condensenet/runtime';
import { describe, expect, it } from 'vitest';
import { AS_STORED, preprocess, toRgba } from './preprocess.js';

describe('preprocess', () => {
  it("is the runtime's pipeline with the model's defaults under the page's choices", () => {
    const data = new Uint8ClampedArray(40 * 30 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
    const image = { data, width: 40, height: 30 };
    for (const geometry of [{ size: 28, channels: 1 }, { size: 32, channels: 3 }]) {
      for (const choices of [AS_STORED, { autoInvert: true, crop: true }]) {
        expect(preprocess(image, geometry, choices)).toEqual(preprocessImage(image, { ...preprocessingFor(geometry), ...choices }));
      }
    }
  });
});

describe('toRgba', () => {
  it('turns [0, 1] pixels into opaque bytes, gray repeated into R, G and B', () => {
    const { data } = toRgba(Float32Array.from([0, 0.5, 1, 0.2]), 2, 1);
    expect(Array.from(data)).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 51, 51, 51, 255]);
    expect(Array.from(toRgba(Float32Array.from([1, 0, 0.5]), 1, 3).data)).toEqual([255, 0, 128, 255]);
  });
});
