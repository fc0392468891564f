import { buildPlan, learnedConnectivity, type LayerConnectivity } from '@condensenet/core';
import type { CondensedModel, RgbaImage } from '@condensenet/runtime';

/**
 * The learned connectivity of a condensed model, read from its index tensors by
 * `@condensenet/core`'s `learnedConnectivity` (which `condense show` draws too): per dense layer,
 * the input channels each group of its 1x1 conv gathers and how many of each earlier layer's,
 * and for the condensing classifier the features it keeps (one row).
 */
export function connectivity(model: CondensedModel): LayerConnectivity[] {
  return learnedConnectivity(buildPlan(model.config), (name) => model.tensors.get(name));
}

/** Colours: read channels bright, the rest in two alternating dark tones that mark each source layer. */
const READ = [255, 196, 61];
const UNREAD = [
  [40, 44, 52],
  [62, 68, 80],
];

/** One cell per (group, channel): `cellWidth` x `cellHeight` pixels, groups as rows. */
export function connectivityImage(layer: LayerConnectivity, cellWidth: number, cellHeight: number): RgbaImage {
  const width = layer.inputs * cellWidth;
  const height = layer.groups * cellHeight;
  const data = new Uint8ClampedArray(width * height * 4);
  const tone = new Uint8Array(layer.inputs);
  layer.sources.forEach((s, i) => tone.fill(i % 2, s.start, s.start + s.width));
  for (let y = 0; y < height; y++) {
    const group = Math.floor(y / cellHeight);
    for (let x = 0; x < width; x++) {
      const channel = Math.floor(x / cellWidth);
      const colour = layer.reads[group * layer.inputs + channel] ? READ : UNREAD[tone[channel]];
      data.set([...colour, 255], (y * width + x) * 4);
    }
  }
  return { data, width, height };
}
