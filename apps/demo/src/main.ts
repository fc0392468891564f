/**
 * The demo page: draws, uploads and samples become the model's input (preprocess.ts), the
 * runtime classifies them on the chosen backend, and the model's index tensors are drawn as its
 * learned connectivity (connectivity.ts).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { buildPlan, countCost } from '@condensenet/core';
import {
  fetchArtifact,
  loadKernels,
  loadModel,
  selectBackend,
  type BackendChoice,
  type ClassScore,
  type CondensedModel,
  type KernelModule,
  type RuntimeModel,
} from '@condensenet/runtime';
import { connectivity, connectivityImage, type LayerConnectivity } from './connectivity.js';
import { AS_STORED, preprocess, toRgba, type RgbaImage } from './preprocess.js';

// The build puts tfjs's wasm binaries and the runtime's kernels.wasm beside this bundle.
setWasmPaths(new URL('./', import.meta.url).href);
const KERNELS_URL = new URL('./kernels.wasm', import.meta.url);

const params = new URLSearchParams(location.search);
const MODEL_URL = new URL(params.get('model') ?? 'model/model.cnn.json', location.href);
const BACKENDS: readonly BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

const PATH_NOTES: Record<RuntimeModel['path'], string> = {
  'wasm-kernels': "the runtime's SIMD WebAssembly kernels, no tfjs op on the hot path",
  'js-kernels': "the JavaScript port of the runtime's kernels",
  'webgpu-kernels': "the runtime's WGSL programs for the condensed layers",
  'webgl-kernels': "the runtime's GLSL programs for the condensed layers",
  tfjs: 'stock tfjs ops (gather, grouped convs, concat)',
};

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const drawCanvas = $<HTMLCanvasElement>('draw');
const draw = drawCanvas.getContext('2d', { willReadFrequently: true })!;
const backendSelect = $<HTMLSelectElement>('backend');
const autoInvert = $<HTMLInputElement>('auto-invert');
const crop = $<HTMLInputElement>('crop');

interface Input {
  /** null: read the drawing canvas when classifying. */
  image: RgbaImage | null;
  /** A sample's true class. */
  label?: number;
  source: string;
}

let artifact: CondensedModel;
let model: RuntimeModel | undefined;
let kernels: KernelModule | undefined;
let input: Input | undefined;
let running = false;
let rerun = false;
let predictions = 0;

function setState(state: 'loading' | 'ready' | 'error'): void {
  document.body.dataset.state = state;
  backendSelect.disabled = state === 'loading';
}

function showError(message: string | undefined): void {
  const box = $('error');
  box.hidden = !message;
  box.textContent = message ?? '';
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function start(): Promise<void> {
  try {
    artifact = await fetchArtifact(MODEL_URL);
  } catch (e) {
    setState('error');
    showError(
      `The model could not be loaded from ${MODEL_URL.href}: ${messageOf(e)}.\n` +
        'The demo expects a runtime artifact there: model.cnn.json and the weight file it names ' +
        "(written by 'condense train' or 'condense convert'; build the demo with --model DIR to ship another).",
    );
    return;
  }
  const { inputChannels } = artifact.config;
  if (inputChannels !== 1 && inputChannels !== 3) {
    setState('error');
    showError(`The model takes ${inputChannels}-channel images; the demo feeds grayscale (1) or RGB (3).`);
    return;
  }
  describeModel();
  showConnectivity(connectivity(artifact));
  await showSamples();
  const requested = params.get('backend') as BackendChoice | null;
  backendSelect.value = requested && BACKENDS.includes(requested) ? requested : 'auto';
  await openBackend(backendSelect.value as BackendChoice);
}

function describeModel(): void {
  const plan = buildPlan(artifact.config);
  const cost = countCost(plan, 'condensed');
  const { stages, growth, group1x1, condenseFactor, inputSize, inputChannels } = artifact.config;
  $('model-info').textContent =
    `${plan.depth}-layer condensed CondenseNet (stages ${stages.join('-')}, growth ${growth.join('-')}, ` +
    `G = ${group1x1}, C = ${condenseFactor}): ${(cost.flops / 1e6).toFixed(1)}M FLOPs, ` +
    `${(cost.params / 1e3).toFixed(1)}k parameters; ${inputSize}x${inputSize}x${inputChannels} input, ` +
    `${artifact.classes.length} classes (${artifact.classes.join(', ')}).`;
  $('seen-caption').textContent = `What the model sees (${inputSize}x${inputSize})`;
  $<HTMLCanvasElement>('seen').width = inputSize;
  $<HTMLCanvasElement>('seen').height = inputSize;
}

/**
 * Opens a session on `choice`, replacing the current one. If that fails it says why and opens the
 * next backend that works, so that there is always something to predict with.
 */
async function openBackend(choice: BackendChoice): Promise<void> {
  setState('loading');
  model?.dispose();
  model = undefined;
  for (const id of ['backend-name', 'path', 'load-time']) $(id).textContent = '…';
  $('path-note').textContent = `Opening ${choice}…`;
  try {
    await open(choice);
    showError(undefined);
  } catch (e) {
    const reason = `The ${choice} backend could not be used: ${messageOf(e)}`;
    // Each other backend by name, not `auto`: after a failed tf.setBackend, tfjs still names the
    // failed backend as current, and selectBackend would take it for an initialised one.
    const others = choice === 'auto' ? [] : BACKENDS.filter((b) => b !== 'auto' && b !== choice);
    for (const other of others) {
      try {
        await open(other);
        showError(`${reason}\nUsing ${other} instead.`);
        break;
      } catch {
        // The next one, then.
      }
    }
    if (!model) {
      showError(reason);
      setState('error');
      return;
    }
  }
  setState('ready');
  await classify();
}

async function open(choice: BackendChoice): Promise<void> {
  const started = performance.now();
  const backend = await selectBackend(choice);
  if (backend === 'wasm') kernels ??= await loadKernels(KERNELS_URL);
  const opened = await loadModel(artifact, { backend, ...(kernels ? { kernels } : {}) });
  try {
    await opened.warmUp();
  } catch (e) {
    opened.dispose();
    throw e;
  }
  model = opened;
  $('load-time').textContent = `${(performance.now() - started).toFixed(0)} ms (with warm-up)`;
  $('backend-name').textContent = model.backend;
  $('path').textContent = model.path;
  $('path-note').textContent = PATH_NOTES[model.path] + (model.fallbackReason ? ` (${model.fallbackReason})` : '');
  $('tensors').textContent = String(tf.memory().numTensors);
  backendSelect.value = choice;
}

/** Classifies the current input; calls made while one runs coalesce into one more run. */
async function classify(): Promise<void> {
  if (!model || !input) return;
  if (running) {
    rerun = true;
    return;
  }
  running = true;
  const current = input;
  const session = model;
  const { inputSize: size, inputChannels } = artifact.config;
  const channels = inputChannels as 1 | 3;
  try {
    const image = current.image ?? draw.getImageData(0, 0, drawCanvas.width, drawCanvas.height);
    const t0 = performance.now();
    // Samples are test images, already as the model takes them: re-cropping one would only blur it.
    const options = current.label === undefined ? { autoInvert: autoInvert.checked, crop: crop.checked } : AS_STORED;
    const seen = preprocess(image, { size, channels, ...options });
    const t1 = performance.now();
    const x = tf.tensor4d(seen.pixels, [1, size, size, channels]);
    const out = await session.predict(x).finally(() => x.dispose());
    const t2 = performance.now();
    // Cleared or replaced meanwhile: this result is stale (a replacement has its own run queued).
    if (input !== current) return;
    const seenImage = toRgba(seen.pixels, size, channels);
    $<HTMLCanvasElement>('seen').getContext('2d')!.putImageData(new ImageData(seenImage.data as Uint8ClampedArray<ArrayBuffer>, size, size), 0, 0);
    showTop5(out.topK(5)[0]);
    $('timing').textContent =
      `inference ${(t2 - t1).toFixed(1)} ms on ${session.backend} · preprocessing ${(t1 - t0).toFixed(1)} ms` +
      (seen.inverted ? ' · inverted (light background)' : '');
    $('tensors').textContent = String(tf.memory().numTensors);
    const truth = $('truth');
    if (current.label === undefined) {
      truth.textContent = '';
    } else {
      const right = out.topK(1)[0][0].index === current.label;
      truth.className = right ? 'right' : 'wrong';
      truth.textContent = `True class: ${artifact.classes[current.label]} (${right ? 'predicted' : 'missed'})`;
    }
    $('top5').dataset.source = current.source;
    $('top5').dataset.run = String(++predictions);
  } catch (e) {
    // A model replaced (disposed) mid-run fails for that reason alone; its replacement reruns.
    if (model === session) showError(`Classification failed: ${messageOf(e)}`);
  } finally {
    running = false;
    if (rerun) {
      rerun = false;
      void classify();
    }
  }
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

/** Shows `image` on the drawing canvas, fitted and centred, and makes it the input. */
function useImage(image: ImageBitmap, source: string, label?: number): void {
  const { width, height } = drawCanvas;
  const scale = Math.min(width / image.width, height / image.height);
  clearCanvas();
  // Small images (the 28x28 samples) stay sharp; photos are smoothed.
  draw.imageSmoothingEnabled = scale < 1;
  draw.drawImage(image, (width - image.width * scale) / 2, (height - image.height * scale) / 2, image.width * scale, image.height * scale);
  input = { image: pixelsOf(image), source, ...(label === undefined ? {} : { label }) };
  showError(undefined);
  for (const b of document.querySelectorAll<HTMLButtonElement>('#samples button')) b.setAttribute('aria-pressed', String(b.title === source));
  void classify();
}

/** Larger sides are scaled down to this first: area averaging over a 50-megapixel photo would take seconds. */
const MAX_SIDE = 2048;

function pixelsOf(image: ImageBitmap): ImageData {
  const scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true })!;
  context.drawImage(image, 0, 0, width, height);
  return context.getImageData(0, 0, width, height);
}

async function decodeImage(blob: Blob, name: string): Promise<ImageBitmap> {
  try {
    // Exact stored values: no colour management, no premultiplied alpha.
    return await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new Error(`${name}${blob.type ? ` (${blob.type})` : ''} is not an image this browser can decode; expected a PNG, JPEG, GIF, WebP, BMP or AVIF file`);
  }
}

async function useFile(file: File): Promise<void> {
  try {
    const bitmap = await decodeImage(file, file.name);
    useImage(bitmap, `upload ${file.name}`);
    bitmap.close();
  } catch (e) {
    showError(messageOf(e));
  }
}

interface SampleList {
  samples: { file: string; label: number; className: string; testIndex: number }[];
}

async function showSamples(): Promise<void> {
  const container = $('samples');
  try {
    const response = await fetch('samples/samples.json');
    if (!response.ok) throw new Error(`samples/samples.json: HTTP ${response.status}`);
    const { samples } = (await response.json()) as SampleList;
    const { inputSize, inputChannels } = artifact.config;
    const fits = inputSize === 28 && inputChannels === 1 && samples.every((s) => artifact.classes[s.label] === s.className);
    if (!fits) {
      container.textContent = 'The bundled samples are Fashion-MNIST images; this model takes other classes or sizes.';
      return;
    }
    container.replaceChildren(
      ...samples.map((s) => {
        const button = Object.assign(document.createElement('button'), { type: 'button', title: `sample ${s.className}` });
        button.dataset.label = String(s.label);
        const img = Object.assign(document.createElement('img'), { src: `samples/${s.file}`, alt: s.className });
        button.append(img, s.className);
        button.addEventListener('click', async () => {
          try {
            const response = await fetch(`samples/${s.file}`);
            if (!response.ok) throw new Error(`samples/${s.file}: HTTP ${response.status}`);
            const bitmap = await decodeImage(await response.blob(), s.file);
            useImage(bitmap, `sample ${s.className}`, s.label);
            bitmap.close();
          } catch (e) {
            showError(messageOf(e));
          }
        });
        return button;
      }),
    );
  } catch (e) {
    container.textContent = `No samples: ${messageOf(e)}`;
  }
}

function showConnectivity(layers: LayerConnectivity[]): void {
  const CELL_WIDTH = 2;
  const CELL_HEIGHT = 6;
  $('layers').replaceChildren(
    ...layers.map((layer) => {
      const image = connectivityImage(layer, CELL_WIDTH, CELL_HEIGHT);
      const canvas = Object.assign(document.createElement('canvas'), { width: image.width, height: image.height });
      canvas.getContext('2d')!.putImageData(new ImageData(image.data as Uint8ClampedArray<ArrayBuffer>, image.width, image.height), 0, 0);
      canvas.addEventListener('mousemove', (event) => {
        const rect = canvas.getBoundingClientRect();
        const channel = Math.min(layer.inputs - 1, Math.floor(((event.clientX - rect.left) / rect.width) * layer.inputs));
        const segment = layer.segments.find((s) => channel >= s.start && channel < s.start + s.width);
        const groups = Array.from({ length: layer.groups }, (_, g) => g).filter((g) => layer.reads[g * layer.inputs + channel]);
        canvas.title =
          `input channel ${channel} (from ${segment?.label ?? '?'}): ` +
          (groups.length ? `read by group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}` : 'read by no group');
      });
      const what =
        layer.name === 'classifier'
          ? `classifier (condensing linear): keeps ${layer.perGroup} of ${layer.inputs} features`
          : `${layer.name}: ${layer.groups} groups, each reading ${layer.perGroup} of ${layer.inputs} input channels`;
      const caption = Object.assign(document.createElement('figcaption'), { textContent: what });
      const figure = document.createElement('figure');
      figure.append(canvas, caption);
      return figure;
    }),
  );
}

function clearCanvas(): void {
  draw.fillStyle = '#000';
  draw.fillRect(0, 0, drawCanvas.width, drawCanvas.height);
}

function canvasPoint(event: PointerEvent): [number, number] {
  const rect = drawCanvas.getBoundingClientRect();
  return [((event.clientX - rect.left) / rect.width) * drawCanvas.width, ((event.clientY - rect.top) / rect.height) * drawCanvas.height];
}

let drawing = false;
drawCanvas.addEventListener('pointerdown', (event) => {
  // Drawing over an uploaded image or a sample starts a fresh black canvas.
  if (input?.image) clearCanvas();
  input = { image: null, source: 'drawing' };
  showError(undefined);
  drawing = true;
  drawCanvas.setPointerCapture(event.pointerId);
  Object.assign(draw, { strokeStyle: '#fff', lineWidth: Number($<HTMLInputElement>('brush').value), lineCap: 'round', lineJoin: 'round' });
  draw.beginPath();
  draw.moveTo(...canvasPoint(event));
  draw.lineTo(...canvasPoint(event));
  draw.stroke();
  void classify();
});
drawCanvas.addEventListener('pointermove', (event) => {
  if (!drawing) return;
  draw.lineTo(...canvasPoint(event));
  draw.stroke();
  void classify();
});
for (const type of ['pointerup', 'pointercancel']) {
  drawCanvas.addEventListener(type, () => {
    if (!drawing) return;
    drawing = false;
    void classify();
  });
}
drawCanvas.addEventListener('dragover', (event) => {
  event.preventDefault();
  drawCanvas.classList.add('dragging');
});
drawCanvas.addEventListener('dragleave', () => drawCanvas.classList.remove('dragging'));
drawCanvas.addEventListener('drop', (event) => {
  event.preventDefault();
  drawCanvas.classList.remove('dragging');
  const file = event.dataTransfer?.files[0];
  if (file) void useFile(file);
});

$('clear').addEventListener('click', () => {
  clearCanvas();
  input = undefined;
  $('top5').replaceChildren();
  $('truth').textContent = '';
  $('timing').textContent = '';
});
$<HTMLInputElement>('file').addEventListener('change', (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) void useFile(file);
});
backendSelect.addEventListener('change', () => void openBackend(backendSelect.value as BackendChoice));
for (const box of [autoInvert, crop]) box.addEventListener('change', () => void classify());
window.addEventListener('unhandledrejection', (event) => showError(messageOf(event.reason)));

clearCanvas();
void start();
