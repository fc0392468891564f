/**
 * What the page shows: the model in use, the runtime's facts, predictions, messages and the
 * learned connectivity. Rendering only; the data attributes are what the page tests read.
 */
import { buildPlan, countCost, type LayerConnectivity } from '@condensenet/core';
import type { BackendChoice, ClassScore, Predictions, Preprocessed, RuntimeModel } from '@condensenet/runtime';
import * as tf from '@tensorflow/tfjs-core';
import { connectivity, connectivityImage } from './connectivity.js';
import type { LoadedModel } from './model-file.js';
import { toRgba } from './preprocess.js';

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

const PATH_NOTES: Record<RuntimeModel['path'], string> = {
  'wasm-kernels': "the runtime's SIMD WebAssembly kernels, no tfjs op on the hot path",
  'js-kernels': "the JavaScript port of the runtime's kernels",
  'webgpu-kernels': "the runtime's WGSL programs for the condensed layers",
  'webgl-kernels': "the runtime's GLSL programs for the condensed layers",
  tfjs: 'stock tfjs ops (gather, grouped convs, concat)',
};

/** More class names than this are summarised: an ImageNet model's 1000 would fill the header. */
const LISTED_CLASSES = 20;

export function setState(state: 'loading' | 'ready' | 'error'): void {
  document.body.dataset.state = state;
  $<HTMLSelectElement>('backend').disabled = state === 'loading';
}

export function showError(message: string | undefined): void {
  const box = $('error');
  box.hidden = !message;
  box.textContent = message ?? '';
}

/** The model in use: its configuration and cost, where it came from, and its connectivity. */
export function showModel({ model, source, origin, notes }: LoadedModel): void {
  const plan = buildPlan(model.config);
  const cost = countCost(plan, 'condensed');
  const { stages, growth, group1x1, condenseFactor, inputSize, inputChannels } = model.config;
  const { classes } = model;
  const listed = classes.length <= LISTED_CLASSES ? classes.join(', ') : `${classes.slice(0, 10).join(', ')}, …`;
  $('model-info').textContent =
    `${plan.depth}-layer condensed CondenseNet (stages ${stages.join('-')}, growth ${growth.join('-')}, ` +
    `G = ${group1x1}, C = ${condenseFactor}): ${(cost.flops / 1e6).toFixed(1)}M FLOPs, ` +
    `${(cost.params / 1e3).toFixed(1)}k parameters; ${inputSize}x${inputSize}x${inputChannels} input, ` +
    `${classes.length} classes (${listed}).`;
  document.body.dataset.model = source;
  $('model-source').textContent = `From ${origin}.`;
  const details = $('model-notes');
  details.hidden = notes.length === 0;
  details.querySelector('ul')!.replaceChildren(...notes.map((note) => Object.assign(document.createElement('li'), { textContent: note })));
  $('seen-caption').textContent = `What the model sees (${inputSize}x${inputSize})`;
  showConnectivity(connectivity(model));
}

export function showOpening(choice: BackendChoice): void {
  for (const id of ['backend-name', 'path', 'threads', 'kernel-build', 'load-time']) $(id).textContent = '…';
  $('path-note').textContent = `Opening ${choice}…`;
}

export function showRuntime(runtime: RuntimeModel, choice: BackendChoice, loadMs: number): void {
  $('load-time').textContent = `${loadMs.toFixed(0)} ms (with warm-up)`;
  $('backend-name').textContent = runtime.backend;
  $('path').textContent = runtime.path;
  $('threads').textContent = String(runtime.threads);
  $('threads').title = runtime.threadsReason ?? '';
  $('kernel-build').textContent = runtime.kernelBuild ?? '–';
  $('path-note').textContent = PATH_NOTES[runtime.path] + (runtime.fallbackReason ? ` (${runtime.fallbackReason})` : '');
  $('tensors').textContent = String(tf.memory().numTensors);
  $<HTMLSelectElement>('backend').value = choice;
}

export interface Prediction {
  source: string;
  seen: Preprocessed;
  size: number;
  channels: 1 | 3;
  predictions: Predictions;
  backend: string;
  inferenceMs: number;
  preprocessingMs: number;
  /** A sample's true class, and whether the top class is it. */
  truth?: { className: string; right: boolean };
}

let shownRuns = 0;

export function showPrediction(p: Prediction): void {
  const seen = $<HTMLCanvasElement>('seen');
  Object.assign(seen, { width: p.size, height: p.size });
  const image = toRgba(p.seen.pixels, p.size, p.channels);
  seen.getContext('2d')!.putImageData(new ImageData(image.data as Uint8ClampedArray<ArrayBuffer>, p.size, p.size), 0, 0);
  showTop5(p.predictions.topK(5)[0]);
  $('timing').textContent =
    `inference ${p.inferenceMs.toFixed(1)} ms on ${p.backend} · preprocessing ${p.preprocessingMs.toFixed(1)} ms` +
    (p.seen.inverted ? ' · inverted (light background)' : '');
  $('tensors').textContent = String(tf.memory().numTensors);
  const truth = $('truth');
  if (p.truth) {
    truth.className = p.truth.right ? 'right' : 'wrong';
    truth.textContent = `True class: ${p.truth.className} (${p.truth.right ? 'predicted' : 'missed'})`;
  } else {
    truth.textContent = '';
  }
  const list = $('top5');
  list.dataset.source = p.source;
  list.dataset.logits = Array.from(p.predictions.logits).join(' ');
  list.dataset.run = String(++shownRuns);
}

export function clearPrediction(): void {
  $('top5').replaceChildren();
  $('truth').textContent = '';
  $('timing').textContent = '';
}

function showTop5(scores: ClassScore[]): void {
  $('top5').replaceChildren(
    ...scores.map((s) => {
      const item = document.createElement('li');
      item.dataset.className = s.className;
      item.dataset.probability = String(s.probability);
      const name = Object.assign(document.createElement('span'), { className: 'name', textContent: s.className });
      const bar = Object.assign(document.createElement('div'), { className: 'bar' });
      bar.append(Object.assign(document.createElement('div'), { style: `width: ${(s.probability * 100).toFixed(1)}%` }));
      const value = Object.assign(document.createElement('span'), { className: 'value', textContent: `${(s.probability * 100).toFixed(1)}%` });
      item.append(name, bar, value);
      return item;
    }),
  );
}

function showConnectivity(layers: LayerConnectivity[]): void {
  const CELL_WIDTH = 3;
  const CELL_HEIGHT = 10;
  $('layers').replaceChildren(
    ...layers.map((layer) => {
      const image = connectivityImage(layer, CELL_WIDTH, CELL_HEIGHT);
      const canvas = Object.assign(document.createElement('canvas'), { width: image.width, height: image.height });
      canvas.getContext('2d')!.putImageData(new ImageData(image.data as Uint8ClampedArray<ArrayBuffer>, image.width, image.height), 0, 0);
      canvas.addEventListener('mousemove', (event) => {
        const rect = canvas.getBoundingClientRect();
        const channel = Math.min(layer.inputs - 1, Math.floor(((event.clientX - rect.left) / rect.width) * layer.inputs));
        const source = layer.sources.find((s) => channel >= s.start && channel < s.start + s.width);
        const groups = Array.from({ length: layer.groups }, (_, g) => g).filter((g) => layer.reads[g * layer.inputs + channel]);
        canvas.title =
          `input channel ${channel} (from ${source?.label ?? '?'}): ` +
          (groups.length ? `read by group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}` : 'read by no group');
      });
      const what =
        layer.name === 'classifier'
          ? `classifier (condensing linear): keeps ${layer.perGroup} of ${layer.inputs} features`
          : `${layer.label} (${layer.name}): ${layer.groups} groups, each reading ${layer.perGroup} of ${layer.inputs} input channels`;
      const caption = Object.assign(document.createElement('figcaption'), { textContent: what });
      const figure = document.createElement('figure');
      figure.append(caption, sourceTable(layer), canvas);
      return figure;
    }),
  );
}

/** Groups by source layer, as `condense show` draws it: channels of each source a group reads, shaded by their share. */
function sourceTable(layer: LayerConnectivity): HTMLTableElement {
  const table = Object.assign(document.createElement('table'), { className: 'sources' });
  const head = table.createTHead().insertRow();
  head.append(Object.assign(document.createElement('th'), { textContent: 'source' }));
  for (const s of layer.sources) head.append(Object.assign(document.createElement('th'), { textContent: s.label, title: `${s.width} channels` }));
  const body = table.createTBody();
  for (let g = 0; g < layer.groups; g++) {
    const row = body.insertRow();
    row.append(Object.assign(document.createElement('th'), { textContent: layer.groups > 1 ? `group ${g + 1}` : 'kept' }));
    layer.sources.forEach((s, i) => {
      const kept = layer.kept[g * layer.sources.length + i];
      const share = kept / s.width;
      const cell = Object.assign(row.insertCell(), { textContent: String(kept), title: `reads ${kept} of the ${s.width} channels of ${s.label}` });
      cell.style.background = `rgba(255, 196, 61, ${share.toFixed(3)})`;
      if (share > 0.5) cell.classList.add('dark');
    });
  }
  return table;
}
