import type { ArchitecturePlan } from '../plan/index.js';

/** A run of a layer's input channels made by one earlier layer (or the stem). */
export interface SourceLayer {
  /** `stem`, or `b<block>.l<layer>` (1-based). */
  label: string;
  /** 0-based block of the layer that made it; -1 for the stem. */
  block: number;
  start: number;
  width: number;
}

/** Which input channels each group of one condensed layer reads, by channel and by source layer. */
export interface LayerConnectivity {
  /** The plan's layer name (`denseblock_1.denselayer_1`), or `classifier`. */
  name: string;
  /** `b<block>.l<layer>`, or `classifier`. */
  label: string;
  /** 0-based block; the classifier's is the number of blocks. */
  block: number;
  groups: number;
  inputs: number;
  /** Channels each group reads (the same for every group). */
  perGroup: number;
  /** `reads[g * inputs + j]` is 1 when group g reads input channel j. */
  reads: Uint8Array;
  /** The layers whose outputs make up the inputs, in channel order. */
  sources: SourceLayer[];
  /** `kept[g * sources.length + s]`: how many of source s's channels group g reads. */
  kept: Int32Array;
}

/** The reference's name of each condensed layer's index tensor, with the layer it belongs to. */
function indexTensors(plan: ArchitecturePlan): { name: string; label: string; block: number; index: string; groups: number; inputs: number; kept: number }[] {
  const layers = plan.blocks.flatMap((block) =>
    block.layers.map((layer) => ({
      name: layer.name,
      label: layerLabel(block.index, layer.layer),
      block: block.index,
      index: `${layer.torchPrefix}.conv_1.index`,
      groups: layer.learnedGroup.groups,
      inputs: layer.inChannels,
      kept: layer.condensedInChannels,
    })),
  );
  const { features, condensedFeatures } = plan.head;
  return [...layers, { name: 'classifier', label: 'classifier', block: plan.blocks.length, index: 'classifier.index', groups: 1, inputs: features, kept: condensedFeatures }];
}

const layerLabel = (block: number, layer: number) => `b${block + 1}.l${layer + 1}`;

/**
 * The learned connectivity of a condensed model from its index tensors (`tensor(name)` returns
 * the tensor the reference names `name`, as a runtime artifact's `tensors.get`): for every learned group convolution and the condensing
 * classifier, the input channels each group gathers, and how many of each earlier layer's output
 * channels that is. A condensed layer's index lists group 0's channels, then group 1's, and so on,
 * since the grouped convolution after it takes contiguous slices. This is the paper's view of
 * what condensation kept of DenseNet's dense connectivity.
 */
export function learnedConnectivity(plan: ArchitecturePlan, tensor: (name: string) => Float32Array | Int32Array | undefined): LayerConnectivity[] {
  const sources: SourceLayer[] = [{ label: 'stem', block: -1, start: 0, width: plan.stem.outChannels }];
  for (const block of plan.blocks) {
    for (const layer of block.layers) sources.push({ label: layerLabel(block.index, layer.layer), block: block.index, start: layer.inChannels, width: layer.growth });
  }
  return indexTensors(plan).map(({ name: layerName, index, kept: keptCount, ...layer }) => {
    const channels = tensor(index);
    if (!(channels instanceof Int32Array)) throw new RangeError(`${index}: ${channels ? 'not int32' : 'missing'}; expected the int32 index tensor of a condensed model`);
    if (channels.length !== keptCount) throw new RangeError(`${index}: ${channels.length} indices, expected ${keptCount}`);
    const own = sources.filter((s) => s.start < layer.inputs);
    const sourceOf = new Int32Array(layer.inputs);
    own.forEach((s, i) => sourceOf.fill(i, s.start, s.start + s.width));
    const perGroup = keptCount / layer.groups;
    const reads = new Uint8Array(layer.groups * layer.inputs);
    const kept = new Int32Array(layer.groups * own.length);
    channels.forEach((channel, i) => {
      if (!(Number.isInteger(channel) && channel >= 0 && channel < layer.inputs)) {
        throw new RangeError(`${index}[${i}] = ${channel}, outside the layer's ${layer.inputs} input channels`);
      }
      const group = Math.floor(i / perGroup);
      if (reads[group * layer.inputs + channel]) throw new RangeError(`${index}: group ${group} reads channel ${channel} twice`);
      reads[group * layer.inputs + channel] = 1;
      kept[group * own.length + sourceOf[channel]]++;
    });
    return { name: layerName, ...layer, perGroup, reads, sources: own, kept };
  });
}
