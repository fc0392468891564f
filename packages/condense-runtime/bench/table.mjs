// Turns the JSON printed by bench/kernels.mjs or bench/model.mjs into the markdown tables of
// bench/results.md:  node bench/table.mjs < run.json
import { readFileSync } from 'node:fs';

const row = (cells) => `| ${cells.join(' | ')} |`;

function modelTables(r) {
  return [
    `${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, tfjs ${r.machine.tfjs} ${r.backend} backend (session path: ${r.session}), load average ${r.machine.loadavg[0]}, ${r.rounds} rounds (medians).`,
    `Environment: MALLOC_MMAP_THRESHOLD_=${r.env.MALLOC_MMAP_THRESHOLD_} MALLOC_TRIM_THRESHOLD_=${r.env.MALLOC_TRIM_THRESHOLD_}.`,
    `Multiply-adds per image: masked ${r.macsPerImage.masked.toLocaleString('en')}, condensed ${r.macsPerImage.condensed.toLocaleString('en')}: FLOP ratio ${r.flopRatio}.`,
    '',
    row(['batch', `condensed, createSession (${r.session}) (ms)`, 'masked training form, stock tfjs (ms)', 'condensed, stock tfjs (ms)', 'session GFLOP/s', 'speed-up over masked', '... / FLOP ratio (goal >= 0.8)']),
    row(Array(7).fill('---')),
    ...r.results.map((x) =>
      row([x.batch, x.ms.condensedSession, x.ms.maskedTrainingFormTfjs, x.ms.condensedStockTfjs ?? (r.session === 'tfjs' ? '(the session)' : 'not run (seconds of gathers)'), x.gflopsCondensedSession, x.speedupOverMasked, x.speedupOverMaskedPerFlopRatio]),
    ),
  ];
}

function kernelTables(r) {
  return [
    `${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}, tfjs ${r.machine.tfjs} wasm backend, ${r.repeats} rounds (medians).`,
    `Environment: MALLOC_MMAP_THRESHOLD_=${r.env.MALLOC_MMAP_THRESHOLD_} MALLOC_TRIM_THRESHOLD_=${r.env.MALLOC_TRIM_THRESHOLD_}.`,
    `Ceiling: tfjs-wasm matMul 1024^3 = ${r.ceiling.tfjsWasmMatMul1024GFlops} GFLOP/s.`,
    '',
    '### Condensed 1x1 (L-Conv), ms',
    row(['layer', 'N', 'HxW', 'R -> O (gathered)', 'tfjs masked conv only', 'tfjs masked form (BN+ReLU+conv)', 'tfjs gather only', 'tfjs gather+BN+ReLU+conv', 'fused kernel', 'GFLOP/s masked conv / fused', 'speed-up vs masked form / C', 'vs masked conv only / C']),
    row(Array(12).fill('---')),
    ...r.conv1x1.map((c) =>
      row([c.layer, c.batch, `${c.spatial}x${c.spatial}`, `${c.inChannels} -> ${c.outChannels} (${c.gathered})`, c.ms.tfjsMaskedConvOnly, c.ms.tfjsMaskedForm, c.ms.tfjsGatherOnly, c.ms.tfjsGatherConv, c.ms.fusedKernel, `${c.gflops.tfjsMaskedConvOnly} / ${c.gflops.fusedKernel}`, c.speedupOverMaskedPerFlopRatio, c.speedupOverMaskedConvOnlyPerFlopRatio]),
    ),
    '',
    '### Grouped 3x3, pad 1, ms',
    row(['layer', 'N', 'HxW', 'cin -> cout / groups', 'tfjs block-diagonal conv', 'tfjs split+conv+concat', 'grouped kernel', 'GFLOP/s best tfjs / kernel', 'speed-up vs best tfjs']),
    row(Array(9).fill('---')),
    ...r.conv3x3.map((c) =>
      row([c.layer, c.batch, `${c.spatial}x${c.spatial}`, `${c.inChannels} -> ${c.outChannels} / ${c.groups}`, c.ms.tfjsBlockDiagonal, c.ms.tfjsSplitConcat, c.ms.groupedKernel, `${c.gflops.tfjsBestGrouped} / ${c.gflops.groupedKernel}`, c.speedupOverBestTfjs]),
    ),
  ];
}

const r = JSON.parse(readFileSync(0, 'utf8'));
console.log((r.results ? modelTables(r) : kernelTables(r)).join('\n'));
