// Turns the JSON printed by bench/kernels.mjs into the markdown tables of bench/results.md:
//   node bench/table.mjs < run.json
import { readFileSync } from 'node:fs';

const r = JSON.parse(readFileSync(0, 'utf8'));
const row = (cells) => `| ${cells.join(' | ')} |`;
const out = [];
out.push(`${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, tfjs ${r.machine.tfjs} wasm backend, ${r.repeats} rounds (medians).`);
out.push(`Environment: MALLOC_MMAP_THRESHOLD_=${r.env.MALLOC_MMAP_THRESHOLD_} MALLOC_TRIM_THRESHOLD_=${r.env.MALLOC_TRIM_THRESHOLD_}.`);
out.push(`Ceiling: tfjs-wasm matMul 1024^3 = ${r.ceiling.tfjsWasmMatMul1024GFlops} GFLOP/s.`, '');
out.push('### Condensed 1x1 (L-Conv), ms');
out.push(row(['layer', 'N', 'HxW', 'R -> O (gathered)', 'tfjs masked conv only', 'tfjs masked form (BN+ReLU+conv)', 'tfjs gather only', 'tfjs gather+BN+ReLU+conv', 'fused kernel', 'GFLOP/s masked conv / fused', 'speed-up vs masked form / C', 'vs masked conv only / C']));
out.push(row(Array(12).fill('---')));
for (const c of r.conv1x1) {
  out.push(row([c.layer, c.batch, `${c.spatial}x${c.spatial}`, `${c.inChannels} -> ${c.outChannels} (${c.gathered})`, c.ms.tfjsMaskedConvOnly, c.ms.tfjsMaskedForm, c.ms.tfjsGatherOnly, c.ms.tfjsGatherConv, c.ms.fusedKernel, `${c.gflops.tfjsMaskedConvOnly} / ${c.gflops.fusedKernel}`, c.speedupOverMaskedPerFlopRatio, c.speedupOverMaskedConvOnlyPerFlopRatio]));
}
out.push('', '### Grouped 3x3, pad 1, ms');
out.push(row(['layer', 'N', 'HxW', 'cin -> cout / groups', 'tfjs block-diagonal conv', 'tfjs split+conv+concat', 'grouped kernel', 'GFLOP/s best tfjs / kernel', 'speed-up vs best tfjs']));
out.push(row(Array(9).fill('---')));
for (const c of r.conv3x3) {
  out.push(row([c.layer, c.batch, `${c.spatial}x${c.spatial}`, `${c.inChannels} -> ${c.outChannels} / ${c.groups}`, c.ms.tfjsBlockDiagonal, c.ms.tfjsSplitConcat, c.ms.groupedKernel, `${c.gflops.tfjsBestGrouped} / ${c.gflops.groupedKernel}`, c.speedupOverBestTfjs]));
}
console.log(out.join('\n'));
