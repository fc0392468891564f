/**
 * The demo page: draws, uploads and samples become the model's input (input.ts), the session
 * classifies them on the chosen backend (session.ts) and the page shows the results and the
 * model's learned connectivity (views.ts). The kept model runs first; a PyTorch checkpoint
 * dropped on the page replaces it (model-file.ts).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { DataKind } from '@condensenet/core';
import { fetchArtifact, type BackendChoice, type CondensedModel } from '@condensenet/runtime';
import { InputPanel } from './input.js';
import { modelFromFile, type LoadedModel } from './model-file.js';
import { BACKENDS, Session } from './session.js';
import { $, messageOf, setState, showError, showModel } from './views.js';

// The build puts tfjs's wasm binaries and the runtime's kernels.wasm beside this bundle.
setWasmPaths(new URL('./', import.meta.url).href);

const params = new URLSearchParams(location.search);
const MODEL_URL = new URL(params.get('model') ?? 'model/model.cnn.json', location.href);
const backendSelect = $<HTMLSelectElement>('backend');
const dataSelect = $<HTMLSelectElement>('data-kind');

const inputs = new InputPanel({ changed: () => void session.classify(), modelFile: (file) => void openFile(file) });
const session = new Session(inputs, new URL('./kernels.wasm', import.meta.url));

/** The model in use, and for a file its bytes and the data kind it was read with (to read it again with another). */
let inUse: LoadedModel | undefined;
let inUseFile: { bytes: Uint8Array; data: string } | undefined;

async function start(): Promise<void> {
  let model: CondensedModel;
  try {
    model = await fetchArtifact(MODEL_URL);
  } catch (e) {
    setState('error');
    showError(
      `The model could not be loaded from ${MODEL_URL.href}: ${messageOf(e)}.\n` +
        'The demo expects a runtime artifact there: model.cnn.json and the weight file it names ' +
        "(written by 'condense train' or 'condense convert'; build the demo with --model DIR to ship another).",
    );
    return;
  }
  await inputs.loadSamples();
  const requested = params.get('backend') as BackendChoice | null;
  backendSelect.value = requested && BACKENDS.includes(requested) ? requested : 'auto';
  try {
    await use({ model, source: MODEL_URL.href, origin: `${MODEL_URL.href} (a runtime artifact)`, notes: [] });
  } catch (e) {
    setState('error');
    showError(messageOf(e));
  }
}

/** Puts `loaded` in use on the selected backend and classifies the current input with it; throws, keeping the model in use, if it cannot run. */
async function use(loaded: LoadedModel): Promise<void> {
  const { inputChannels } = loaded.model.config;
  if (inputChannels !== 1 && inputChannels !== 3) {
    throw new Error(`${loaded.source}: the model takes ${inputChannels}-channel images; the demo feeds grayscale (1) or RGB (3).`);
  }
  await session.use(loaded.model, backendSelect.value as BackendChoice);
  inUse = loaded;
  showModel(loaded);
  inputs.fit(loaded.model);
  await session.classify();
}

async function openFile(file: File): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (e) {
    showError(`${file.name} could not be read: ${messageOf(e)}`);
    return;
  }
  await readModel(file.name, bytes);
}

async function readModel(name: string, bytes: Uint8Array): Promise<void> {
  const data = dataSelect.value;
  try {
    await use(modelFromFile(bytes, name, data ? { data: data as DataKind } : {}));
    inUseFile = { bytes, data };
  } catch (e) {
    if (inUseFile) dataSelect.value = inUseFile.data;
    showError(inUse ? `${messageOf(e)}\nStill using ${inUse.source}.` : messageOf(e));
  }
}

backendSelect.addEventListener('change', () => void session.switchBackend(backendSelect.value as BackendChoice));
dataSelect.addEventListener('change', () => {
  if (inUse && inUseFile) void readModel(inUse.source, inUseFile.bytes);
});
window.addEventListener('unhandledrejection', (event) => showError(messageOf(event.reason)));

void start();
