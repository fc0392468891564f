import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend, type BackendLoader, type BackendName } from './api/backend.js';
import { createRuntimeModel, isCondensedModel, type ArtifactSource, type LoadOptions, type RuntimeModel } from './api/runtime-model.js';
import { decodeArtifact, readManifest } from './artifact/decode.js';
import { encodeArtifact, type EncodeOptions } from './artifact/encode.js';
import { ARTIFACT_MANIFEST_FILE, ARTIFACT_WEIGHTS_FILE } from './artifact/from-state-dict.js';
import type { CondensedModel } from './artifact/types.js';
import { KERNELS_RELAXED_WASM_URL, KERNELS_WASM_URL, type LoadKernelsOptions } from './backends/wasm/load.js';
import { enableRelaxedSimd } from './backends/wasm/node-relaxed-simd.js';
import { KernelModule } from './backends/wasm/kernel-module.js';
import { nodeThreadHost } from './backends/wasm/node-threads.js';

export { nodeThreadHost } from './backends/wasm/node-threads.js';
export { enableRelaxedSimd } from './backends/wasm/node-relaxed-simd.js';
import { availableParallelism } from 'node:os';
import { writeFileAtomic } from '@condensenet/core/node';

/** Reads a manifest and the weight file beside it. */
export async function loadArtifactFromFile(manifestPath: string): Promise<CondensedModel> {
  const { manifest } = readManifest(await readFile(manifestPath));
  return decodeArtifact(manifest, await readFile(join(dirname(manifestPath), manifest.weightsFile)));
}

/**
 * Writes the manifest to `manifestPath` and the weight file beside it, each atomically, weights
 * first: a crash part-way leaves at worst the old manifest beside complete new weights, never a
 * manifest naming missing or partial ones.
 */
export async function saveArtifactToFile(manifestPath: string, model: CondensedModel, options: EncodeOptions = {}): Promise<void> {
  const { manifest, json, weights } = encodeArtifact(model, options);
  writeFileAtomic(join(dirname(manifestPath), manifest.weightsFile), [new Uint8Array(weights)]);
  writeFileAtomic(manifestPath, [new TextEncoder().encode(json)]);
}

/**
 * Node has no fetch for file: URLs, so the kernels are read from disk: `path` as given, else the
 * shipped kernels-relaxed.wasm (relaxed SIMD turned on in this process where it is off, see
 * enableRelaxedSimd) unless `relaxedSimd` is false, else the shipped kernels.wasm.
 */
export async function loadKernelsFromFile(path?: string, options: Pick<LoadKernelsOptions, 'relaxedSimd'> = {}): Promise<KernelModule> {
  const chosen = path ?? fileURLToPath(options.relaxedSimd !== false && enableRelaxedSimd() ? KERNELS_RELAXED_WASM_URL : KERNELS_WASM_URL);
  return KernelModule.instantiate(await readFile(chosen));
}

/** Writes `model.cnn.json` and `model.cnn.bin` into `dir`, beside whatever else is there; returns the manifest path. */
export async function saveArtifactToDirectory(dir: string, model: CondensedModel, options: Omit<EncodeOptions, 'weightsFile'> = {}): Promise<string> {
  const manifestPath = join(dir, ARTIFACT_MANIFEST_FILE);
  await saveArtifactToFile(manifestPath, model, { ...options, weightsFile: ARTIFACT_WEIGHTS_FILE });
  return manifestPath;
}

/** The manifest `path` names: itself, or `model.cnn.json` inside it when it is a directory. */
export async function resolveArtifactPath(path: string): Promise<string> {
  const info = await stat(path).catch(() => {
    throw new Error(`${path}: no such file or directory`);
  });
  if (!info.isDirectory()) return path;
  // A run directory (`condense train`, or `condense import` of a training form) keeps its
  // condensed model in `condensed/`.
  for (const inside of [join(path, ARTIFACT_MANIFEST_FILE), join(path, 'condensed', ARTIFACT_MANIFEST_FILE)]) {
    if ((await stat(inside).catch(() => undefined))?.isFile()) return inside;
  }
  throw new Error(`${path}: holds no ${ARTIFACT_MANIFEST_FILE}, nor condensed/${ARTIFACT_MANIFEST_FILE} (write one with 'condense convert')`);
}

/** Optional packages per backend, tried in order; none is a dependency of this package. */
const BACKEND_PACKAGES: Record<BackendName, string[]> = {
  tensorflow: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
  webgpu: ['@tensorflow/tfjs-backend-webgpu'],
  webgl: ['@tensorflow/tfjs-backend-webgl'],
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  cpu: ['@tensorflow/tfjs-backend-cpu'],
};

/** Imports the first installed package of a backend, which registers it with tfjs. */
export const importBackendPackage: BackendLoader = async (backend) => {
  const missing: string[] = [];
  for (const specifier of BACKEND_PACKAGES[backend]) {
    try {
      await import(specifier);
      return;
    } catch {
      missing.push(specifier);
    }
  }
  throw new Error(`${missing.join(' / ')} not installed`);
};

/**
 * Node entry: loads an artifact from a manifest path or a directory holding `model.cnn.json`
 * (or from bytes / a decoded model), imports the chosen backend's package, and opens a session;
 * on wasm the kernels come from the shipped builds on disk (relaxed SIMD unless `relaxedSimd` is
 * false) and run on worker_threads, one per core unless `threads` says otherwise (the session
 * reports what it got).
 */
export async function loadModel(source: string | ArtifactSource, options: LoadOptions = {}): Promise<RuntimeModel> {
  const model =
    typeof source === 'string'
      ? await loadArtifactFromFile(await resolveArtifactPath(source))
      : isCondensedModel(source)
        ? source
        : decodeArtifact(source.json, source.weights);
  const backend = await selectBackend(options.backend ?? 'auto', importBackendPackage);
  const relaxedSimd = options.relaxedSimd !== false;
  const kernels = options.kernels ?? (backend === 'wasm' ? await loadKernelsFromFile(undefined, { relaxedSimd }) : undefined);
  // Kernels of the caller's own mean one thread unless it asks for more, as in createSession.
  const threads = options.threads ?? (backend === 'wasm' && !options.kernels ? availableParallelism() : undefined);
  return createRuntimeModel(model, {
    backend,
    ...(kernels ? { kernels } : {}),
    ...(threads !== undefined ? { threads } : {}),
    threadHost: options.threadHost ?? nodeThreadHost(),
    relaxedSimd,
  });
}
