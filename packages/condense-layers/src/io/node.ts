import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@condensenet/core/node';
import * as tf from '@tensorflow/tfjs-core';

const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

/** Weight files must sit beside model.json: a path with directories could read any file on the machine. */
function checkManifest(json: tf.io.ModelJSON, file: string): void {
  const groups: unknown = json?.weightsManifest;
  const isGroup = (g: { paths?: unknown; weights?: unknown } | null) =>
    typeof g === 'object' && g !== null && Array.isArray(g.weights) && Array.isArray(g.paths) && g.paths.every((p) => typeof p === 'string');
  if (!Array.isArray(groups) || !groups.every(isGroup)) throw new Error(`${file}: weightsManifest must be a list of { paths, weights } groups`);
  for (const path of groups.flatMap((g: { paths: string[] }) => g.paths)) {
    if (!/^[^/\\]+$/.test(path) || path === '.' || path === '..') {
      throw new Error(`${file}: weightsManifest path ${JSON.stringify(path)} must be a file name beside model.json, without directories`);
    }
  }
}

/**
 * A tfjs IO handler for a directory in plain Node (no tfjs-node): `model.json` (topology,
 * manifest, metadata) and `weights.bin`. The weights are written first, so model.json never
 * points at missing or partial weights.
 */
export function fileHandler(directory: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('fileHandler saves JSON topologies only');
      await mkdir(directory, { recursive: true });
      const weights = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      writeFileAtomic(join(directory, WEIGHTS_FILE), [new Uint8Array(weights)]);
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
      };
      writeFileAtomic(join(directory, MODEL_FILE), [new TextEncoder().encode(JSON.stringify(json))]);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const text = await readFile(join(directory, MODEL_FILE), 'utf8');
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text) as tf.io.ModelJSON;
      } catch (e) {
        throw new Error(`${join(directory, MODEL_FILE)}: not valid JSON (${(e as Error).message})`);
      }
      checkManifest(json, join(directory, MODEL_FILE));
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const path of group.paths) {
            const bytes = await readFile(join(directory, path)).catch((e: NodeJS.ErrnoException) => {
              throw new Error(`${join(directory, MODEL_FILE)}: cannot read its weight file ${path} (${e.code ?? e.message})`);
            });
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [manifest.flatMap((g) => g.weights), tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}
