// The paper's CondenseNet-86 (CIFAR-10) costs, from the installed @condensenet/core alone.
import { buildPlan, countCost, presetConfig } from '@condensenet/core';

const cost = countCost(buildPlan(presetConfig('condensenet-86')), 'condensed');
if (cost.flops !== 65_812_394 || cost.params !== 516_202) {
  throw new Error(`condensenet-86: ${cost.flops} FLOPs, ${cost.params} params; expected 65812394 / 516202`);
}
console.log(`condensenet-86: ${cost.flops.toLocaleString('en-US')} FLOPs, ${cost.params.toLocaleString('en-US')} params`);
