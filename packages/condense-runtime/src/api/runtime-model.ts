import { decodeArtifact, type ManifestSource } from '../artifact/decode.js';
import { fetchArtifact } from '../artifact/fetch.js';
import type { CondensedModel } from '../artifact/types.js';
import type { KernelModule } from '../backends/wasm/kernel-module.js';
import type { ThreadHost } from '../backends/wasm/thread-host.js';
import { createSession, type Session } from '../session/session.js';
import { selectBackend, type BackendChoice, type BackendLoader } from './backend.js';
import { toModelInput, type ImageInput } from './pixels.js';
import { toPredictions, type Predictions } from './predictions.js';

export interface LoadOptions {
  /** Default `auto` (see AUTO_ORDER). Selecting switches tfjs's global backend. */
  backend?: BackendChoice;
  /** Kernels for the wasm path; default: the shipped kernels.wasm, fetched (browser) or read (Node). */
  kernels?: KernelModule;
  /** Worker threads on the wasm path (see SessionOptions.threads). */
  threads?: number;
  threadHost?: ThreadHost;
  /** The relaxed-SIMD kernels where the engine compiles them (see SessionOptions.relaxedSimd); default true. */
  relaxedSimd?: boolean;
}

export interface RuntimeModel {
  /** The backend the session got (what `auto` resolved to). */
  readonly backend: string;
  /** How it runs there: the wasm kernels, their JavaScript port, or stock tfjs ops. */
  readonly path: Session['path'];
  readonly fallbackReason?: string;
  /** Threads its kernels run on, and why fewer than asked (see Session.threads). */
  readonly threads: number;
  readonly threadsReason?: string;
  /** Which build of the kernels runs (see Session.kernelBuild). */
  readonly kernelBuild?: Session['kernelBuild'];
  readonly classes: readonly string[];
  /** Input images are size x size with this many channels. */
  readonly inputSize: number;
  readonly inputChannels: number;
  /** Runs one image through, so the first real call does not pay for compilation or allocation. */
  warmUp(): Promise<void>;
  predict(images: ImageInput): Promise<Predictions>;
  /**
   * Releases the session's tensors or kernel memory; the model cannot predict afterwards. Calling
   * it again does nothing.
   */
  dispose(): void;
}

/** Artifact sources both entries accept: a decoded model, or the manifest and weight bytes. */
export type ArtifactSource = CondensedModel | { json: ManifestSource; weights: ArrayBuffer | ArrayBufferView };

export function isCondensedModel(source: unknown): source is CondensedModel {
  return typeof source === 'object' && source !== null && (source as CondensedModel).tensors instanceof Map;
}

/** A model ready to predict on the backend chosen by `options.backend`. */
export async function createRuntimeModel(model: CondensedModel, options: LoadOptions = {}, load?: BackendLoader): Promise<RuntimeModel> {
  const backend = await selectBackend(options.backend ?? 'auto', load);
  const { kernels, threads, threadHost, relaxedSimd } = options;
  const session = await createSession(model, {
    backend,
    ...(kernels ? { kernels } : {}),
    ...(threads !== undefined ? { threads } : {}),
    ...(threadHost ? { threadHost } : {}),
    ...(relaxedSimd !== undefined ? { relaxedSimd } : {}),
  });
  const geometry = { size: model.config.inputSize, channels: model.config.inputChannels };
  let disposed = false;
  const live = () => {
    if (disposed) throw new Error('the model was disposed; load it again to predict');
  };
  const run = async (images: ImageInput) => {
    live();
    const { pixels, batch } = await toModelInput(images, geometry);
    return toPredictions(await session.run(pixels, batch), batch, session.classes);
  };
  return {
    backend: session.backend,
    path: session.path,
    ...(session.fallbackReason ? { fallbackReason: session.fallbackReason } : {}),
    threads: session.threads,
    ...(session.threadsReason ? { threadsReason: session.threadsReason } : {}),
    ...(session.kernelBuild ? { kernelBuild: session.kernelBuild } : {}),
    classes: session.classes,
    inputSize: geometry.size,
    inputChannels: geometry.channels,
    async warmUp() {
      live();
      await session.run(new Float32Array(geometry.size * geometry.size * geometry.channels), 1);
    },
    predict: run,
    dispose() {
      disposed = true;
      session.dispose();
    },
  };
}

/**
 * Browser entry: loads an artifact from a URL of its manifest (the weight file is fetched beside
 * it), from its bytes, or a decoded model, and opens a session on it.
 */
export async function loadModel(source: string | URL | ArtifactSource, options: LoadOptions = {}): Promise<RuntimeModel> {
  const model =
    typeof source === 'string' || source instanceof URL
      ? await fetchArtifact(source)
      : isCondensedModel(source)
        ? source
        : decodeArtifact(source.json, source.weights);
  return createRuntimeModel(model, options);
}
