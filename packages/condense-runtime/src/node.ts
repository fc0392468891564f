import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeArtifact, readManifest } from './artifact/decode.js';
import { encodeArtifact, type EncodeOptions } from './artifact/encode.js';
import type { CondensedModel } from './artifact/types.js';
import { KERNELS_WASM_URL } from './kernels/load.js';
import { KernelModule } from './kernels/kernel-module.js';

/** Reads a manifest and the weight file beside it. */
export async function loadArtifactFromFile(manifestPath: string): Promise<CondensedModel> {
  const { manifest } = readManifest(await readFile(manifestPath));
  return decodeArtifact(manifest, await readFile(join(dirname(manifestPath), manifest.weightsFile)));
}

/** Writes the manifest to `manifestPath` and the weight file beside it. */
export async function saveArtifactToFile(manifestPath: string, model: CondensedModel, options: EncodeOptions = {}): Promise<void> {
  const { manifest, json, weights } = encodeArtifact(model, options);
  await writeFile(join(dirname(manifestPath), manifest.weightsFile), new Uint8Array(weights));
  await writeFile(manifestPath, json);
}

/** Node has no fetch for file: URLs, so the shipped kernels.wasm is read from disk. */
export async function loadKernelsFromFile(path: string = fileURLToPath(KERNELS_WASM_URL)): Promise<KernelModule> {
  return KernelModule.instantiate(await readFile(path));
}
