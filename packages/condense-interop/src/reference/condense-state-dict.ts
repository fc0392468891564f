import { buildPlan, condenseLinear, convertLearnedGroupConv, denseLayers, referenceParameters, type CondenseNetConfig } from '@condensenet/core';

/** A state_dict entry as the interop reader gives it: values in C order. */
export interface TensorValues {
  data: Float32Array | Int32Array | Uint8Array;
}

/**
 * The reference's `convert_model` on a training-form state_dict, with core's conversion math
 * and no TensorFlow: each learned group conv becomes index, gathered BatchNorm and grouped
 * weight (refusing a layer short of its last condensing stage), the classifier the condensing
 * linear; the stem, the 3x3 convs and their BatchNorms are the same in both forms.
 */
export function condenseTrainingStateDict(
  stateDict: ReadonlyMap<string, TensorValues>,
  config: CondenseNetConfig,
): Map<string, Float32Array | Int32Array> {
  const floats = (name: string): Float32Array => {
    const data = stateDict.get(name)?.data;
    if (!(data instanceof Float32Array)) throw new Error(`${name} is missing or not floating point`);
    return data;
  };
  const plan = buildPlan(config);
  const out = new Map<string, Float32Array | Int32Array>();
  for (const layer of denseLayers(plan)) {
    const p = `${layer.torchPrefix}.conv_1`;
    const converted = convertLearnedGroupConv(
      floats(`${p}.conv.weight`),
      { stage: floats(`${p}._stage`)[0], count: floats(`${p}._count`)[0], mask: floats(`${p}._mask`) },
      {
        gamma: floats(`${p}.norm.weight`),
        beta: floats(`${p}.norm.bias`),
        runningMean: floats(`${p}.norm.running_mean`),
        runningVar: floats(`${p}.norm.running_var`),
      },
      layer.learnedGroup,
      p,
    );
    out.set(`${p}.index`, converted.index);
    out.set(`${p}.norm.weight`, converted.norm.gamma);
    out.set(`${p}.norm.bias`, converted.norm.beta);
    out.set(`${p}.norm.running_mean`, converted.norm.runningMean);
    out.set(`${p}.norm.running_var`, converted.norm.runningVar);
    out.set(`${p}.conv.weight`, converted.weight);
  }
  const { classes, features } = plan.head;
  const classifier = condenseLinear(floats('classifier.weight'), floats('classifier.bias'), classes, features);
  out.set('classifier.index', classifier.index);
  out.set('classifier.linear.weight', classifier.weight);
  out.set('classifier.linear.bias', classifier.bias);
  for (const { name, role } of referenceParameters(plan, 'condensed')) {
    if (!out.has(name) && role !== 'bn-num-batches') out.set(name, floats(name));
  }
  return out;
}
