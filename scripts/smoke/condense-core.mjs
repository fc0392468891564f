// The paper's CondenseNet-86 (CIFAR-10) costs, from the installed @condensenet/core alone.
import { buildPlan, countCost, presetConfig } from '@condensenet/core';

const cost = countCost(buildPlan(presetConfig('condensenet-86')), 'condensed');
if (cost.flops !== 65_812_394 || cost.params !== 516_202) {
  throw new Error(`condensenet-86: ${cost.flops} FLOPs, ${cost.params} params; expected 65812394 / 516202`);
}
console.log(`condensenet-86: ${cost.flops.toLocaleString('en-US')} FLOPs, ${cost.params.toLocaleString('en-US')} params`);

// The Node entry's atomic writer, through the package's exports map.
const { writeFileAtomic } = await import('@condensenet/core/node');
const { mkdtempSync, readFileSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const file = join(mkdtempSync(join(tmpdir(), 'core-smoke-')), 'out.bin');
writeFileAtomic(file, [new Uint8Array([1, 2]), new Uint8Array([3])]);
if (readFileSync(file).join(',') !== '1,2,3') throw new Error(`writeFileAtomic wrote ${readFileSync(file).join(',')}, expected 1,2,3`);
console.log('writeFileAtomic: ok');
