// Turns the JSON written by bench/kernels.mjs or bench/model.mjs into the markdown tables of
// bench/results.md:  node bench/table.mjs bench/results.json
//                    node bench/table.mjs bench/model-wasm-results.json bench/model-cpu-results.json
// (the model reports, one per backend, become one combined table).
import { readFileSync } from 'node:fs';

const row = (cells) => `| ${cells.join(' | ')} |`;
const MODEL_NAMES = { 'condensenet-86': 'CondenseNet-86 (CIFAR, 32x32)', 'condensenet-74-c4': 'CondenseNet-74 C=G=4 (ImageNet, 224x224)' };

function modelTable(reports) {
  const first = reports[0];
  const cell = (r, form) => (r.ms[form] !== undefined ? r.ms[form] : `not run (${r.skipped[form]})`);
  return [
    `${first.machine.cpu}, ${first.machine.cores} cores, Node ${first.machine.node}, tfjs-core ${first.versions.tfjsCore}, tfjs-layers ${first.versions.tfjsLayers}, backends wasm ${first.versions.tfjsBackendWasm} / cpu ${first.versions.tfjsBackendCpu}.`,
    ...reports.map(
      (r) =>
        `${r.backend}: ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.rounds} rounds (medians), load average ${r.loadavg.before[0]} -> ${r.loadavg.after[0]}, ` +
        `${Math.round(r.wallSeconds)} s; layers strategies ${Object.entries(r.presets[0].strategies).map(([k, v]) => `${k} ${v}`).join(', ')}` +
        (r.backendFlags.WASM_HAS_SIMD_SUPPORT !== undefined ? `; SIMD ${r.backendFlags.WASM_HAS_SIMD_SUPPORT}, threads ${r.backendFlags.WASM_HAS_MULTITHREAD_SUPPORT}` : '') +
        '.',
    ),
    `Environment: MALLOC_MMAP_THRESHOLD_=${first.env.MALLOC_MMAP_THRESHOLD_} MALLOC_TRIM_THRESHOLD_=${first.env.MALLOC_TRIM_THRESHOLD_}.`,
    '',
    row(['backend', 'model', 'batch', 'runtime session (ms)', 'masked training form (ms)', 'condensed tfjs-layers (ms)', 'GFLOP/s runtime / masked / tfjs-layers', 'backend matMul 1024^3 GFLOP/s', 'runtime vs masked', 'FLOP ratio', 'runtime vs masked / FLOP ratio (goal >= 0.8)', 'runtime vs tfjs-layers']),
    row(Array(12).fill('---')),
    ...reports.flatMap((r) =>
      r.presets.flatMap((p) =>
        p.rows.map((x) =>
          row([
            r.backend, MODEL_NAMES[p.preset] ?? p.preset, x.batch, cell(x, 'runtime'), cell(x, 'masked'), cell(x, 'layers'),
            ['runtime', 'masked', 'layers'].map((f) => x.gflops[f] ?? '-').join(' / '), x.matMulGflops ?? '-',
            x.speedupRuntimeOverMasked ?? '-', p.flopRatio, x.speedupOverMaskedPerFlopRatio ?? '-', x.speedupRuntimeOverLayers ?? '-',
          ]),
        ),
      ),
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

const reports = (process.argv.length > 2 ? process.argv.slice(2).map((f) => readFileSync(f, 'utf8')) : [readFileSync(0, 'utf8')]).map((t) => JSON.parse(t));
console.log((reports[0].presets ? modelTable(reports) : reports.flatMap(kernelTables)).join('\n'));
