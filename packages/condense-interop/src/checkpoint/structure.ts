import type { ModelForm } from '@condensenet/core';
import { InteropError } from '../errors.js';
import { requireShape } from './entries.js';
import { formatSetting, formatShape } from './format.js';
import type { OverrideCheck } from './overrides.js';
import type { ShapedEntry } from './types.js';

/** Everything a state_dict's names and shapes fix in either form. */
export interface Structure {
  stages: number[];
  growth: number[];
  bottleneck: number;
  group3x3: number;
  inputChannels: number;
  numClasses: number;
  /** The classifier's weight with its shape, to point at when the class count is questioned. */
  classifier: string;
}

const DENSE_LAYER = /^features\.denseblock_(\d+)\.denselayer_(\d+)\./;
const STEM = 'features.init_conv.weight';

export function readStructure(
  stateDict: ReadonlyMap<string, ShapedEntry>,
  form: ModelForm,
  overrides: OverrideCheck,
  notes: string[],
  source: string,
): Structure {
  const shape = (name: string, rank: number, purpose: string) => requireShape(stateDict, name, rank, purpose, source);
  const layer = (b: number, l: number) => `features.denseblock_${b}.denselayer_${l}`;

  const stages = denseLayerCounts(stateDict, source);
  const wantedStages = overrides.values.stages;
  if (wantedStages !== undefined && formatSetting(wantedStages) !== formatSetting(stages)) {
    const differs = stages.findIndex((n, i) => wantedStages[i] !== n);
    const b = differs >= 0 ? differs + 1 : stages.length;
    overrides.contradict(
      'stages',
      `${layer(b, stages[b - 1])}.conv_1.conv.weight`,
      `stages ${formatSetting(stages)}: denseblock_${b} ends at denselayer_${stages[b - 1]}, and there are ${stages.length} blocks`,
    );
  }
  notes.push(`stages ${formatSetting(stages)} from the features.denseblock_<b>.denselayer_<l> names`);

  const growthEvidence = stages.map((_, i) => `${layer(i + 1, 1)}.conv_2.conv.weight`);
  const growthShapes = growthEvidence.map((name, i) => shape(name, 4, `the growth of denseblock_${i + 1}`));
  const growth = growthShapes.map((s) => s[0]);
  const wantedGrowth = overrides.values.growth;
  if (wantedGrowth !== undefined && formatSetting(wantedGrowth) !== formatSetting(growth)) {
    const differs = growth.findIndex((k, i) => wantedGrowth[i] !== k);
    if (differs < 0) {
      overrides.contradict('growth', `the state_dict's ${growth.length} dense blocks`, `growth ${formatSetting(growth)}`);
    }
    overrides.contradict('growth', `${growthEvidence[differs]} ${formatShape(growthShapes[differs])}`, `growth ${growth[differs]}`);
  }
  notes.push(`growth ${formatSetting(growth)} from the out channels of each block's first conv_2.conv.weight`);

  const lgcName = `${layer(1, 1)}.conv_1.conv.weight`;
  const lgc = shape(lgcName, 4, 'the bottleneck width');
  const bottleneck = whole(lgc[0], growth[0], `${lgcName} ${formatShape(lgc)} has ${lgc[0]} outputs, not a multiple of growth ${growth[0]}`, source);
  overrides.agree('bottleneck', bottleneck, `${lgcName} ${formatShape(lgc)}`);
  notes.push(`bottleneck ${bottleneck} = ${lgc[0]} conv_1 outputs / growth ${growth[0]}`);

  const conv3x3 = shape(growthEvidence[0], 4, 'the 3x3 groups');
  const group3x3 = whole(
    lgc[0],
    conv3x3[1],
    `${growthEvidence[0]} ${formatShape(conv3x3)} takes ${conv3x3[1]} inputs per group, which does not divide the ${lgc[0]} bottleneck channels`,
    source,
  );
  overrides.agree('group3x3', group3x3, `${growthEvidence[0]} ${formatShape(conv3x3)}`);
  notes.push(`group3x3 ${group3x3} = ${lgc[0]} conv_2 inputs / ${conv3x3[1]} per group`);

  const stem = shape(STEM, 4, 'the input channels');
  if (stem[0] !== 2 * growth[0]) {
    throw new InteropError(
      source,
      `${STEM} ${formatShape(stem)} emits ${stem[0]} channels; the reference's stem emits 2 * growth[0] = ${2 * growth[0]} (growth[0] ${growth[0]} from ${growthEvidence[0]} ${formatShape(conv3x3)})`,
    );
  }
  const inputChannels = stem[1];
  overrides.agree('inputChannels', inputChannels, `${STEM} ${formatShape(stem)}`);
  notes.push(`inputChannels ${inputChannels} from ${STEM}; its ${stem[0]} outputs are 2 * growth[0] as in the reference`);

  const classifierName = form === 'training' ? 'classifier.weight' : 'classifier.linear.weight';
  const head = shape(classifierName, 2, 'the class count');
  const numClasses = head[0];
  const classifier = `${classifierName} ${formatShape(head)}`;
  overrides.agree('numClasses', numClasses, classifier);
  notes.push(`numClasses ${numClasses} from ${classifierName}`);

  return { stages, growth, bottleneck, group3x3, inputChannels, numClasses, classifier };
}

/** Dense layers per block, from the highest `denselayer_<l>` of each `denseblock_<b>`. */
function denseLayerCounts(stateDict: ReadonlyMap<string, ShapedEntry>, source: string): number[] {
  const counts: number[] = [];
  for (const name of stateDict.keys()) {
    const match = DENSE_LAYER.exec(name);
    if (match === null) continue;
    const [b, l] = [Number(match[1]), Number(match[2])];
    counts[b - 1] = Math.max(counts[b - 1] ?? 0, l);
  }
  if (counts.length === 0) {
    throw new InteropError(source, 'has no features.denseblock_<b>.denselayer_<l> entries: a CondenseNet has at least one dense layer');
  }
  const gap = Array.from(counts, (c) => c ?? 0).indexOf(0);
  if (gap >= 0) {
    throw new InteropError(source, `has no features.denseblock_${gap + 1} entries but has features.denseblock_${counts.length}`);
  }
  return counts;
}

function whole(numerator: number, denominator: number, problem: string, source: string): number {
  const value = numerator / denominator;
  if (!Number.isInteger(value)) throw new InteropError(source, problem);
  return value;
}
