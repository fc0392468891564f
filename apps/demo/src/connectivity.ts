import { buildPlan } from '@condensenet/core';
import type { CondensedModel } from '@condensenet/runtime';
import type { RgbaImage } from './preprocess.js';

/** A run of input channels made by one earlier layer (or the stem). */
export interface Segment {
  label: string;
  start: number;
  width: number;
}

/** Which input channels each group of a condensed layer reads: `reads[g * inputs + j]` is 1 when group g reads channel j. */
export interface LayerConnectivity {
  name: string;
  groups: number;
  inputs: number;
  /** Channels each group reads (the same for every group). */
  perGroup: number;
  reads: Uint8Array;
  segments: Segment[];
}

/**
 * The learned connectivity of a condensed model, read from its index tensors: per dense layer,
 * the input channels each group of its 1x1 conv gathers, and for the condensing classifier the
 * features it keeps (one row). Segments say which earlier layer made each input channel, which
 * is where DenseNet-style connectivity shows: how much a layer still reads of each predecessor.
 */
export function connectivity(model: CondensedModel): LayerConnectivity[] {
  const plan = buildPlan(model.config);
  const segments: Segment[] = [{ label: 'stem', start: 0, width: plan.stem.outChannels }];
  const layers: LayerConnectivity[] = [];
  for (const block of plan.blocks) {
    for (const layer of block.layers) {
      const index = tensor(model, `${layer.torchPrefix}.conv_1.index`);
      const groups = layer.learnedGroup.groups;
      layers.push(fromIndex(layer.name, index, groups, layer.inChannels, segments));
      segments.push({ label: `b${block.index + 1}.l${layer.layer + 1}`, start: layer.inChannels, width: layer.growth });
    }
  }
  layers.push(fromIndex('classifier', tensor(model, 'classifier.index'), 1, plan.head.features, segments));
  return layers;
}

function tensor(model: CondensedModel, name: string): Int32Array {
  const t = model.tensors.get(name);
  if (!(t instanceof Int32Array)) throw new Error(`the model has no index tensor ${name}`);
  return t;
}

function fromIndex(name: string, index: Int32Array, groups: number, inputs: number, segments: readonly Segment[]): LayerConnectivity {
  const perGroup = index.length / groups;
  const reads = new Uint8Array(groups * inputs);
  index.forEach((channel, i) => {
    reads[Math.floor(i / perGroup) * inputs + channel] = 1;
  });
  return { name, groups, inputs, perGroup, reads, segments: segments.filter((s) => s.start < inputs) };
}

/** Colours: read channels bright, the rest in two alternating dark tones that mark each segment. */
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
  layer.segments.forEach((s, i) => tone.fill(i % 2, s.start, s.start + s.width));
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
