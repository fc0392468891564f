import { decodeArtifact, readManifest } from './decode.js';
import { ArtifactError } from './errors.js';
import type { CondensedModel } from './types.js';

async function fetchBytes(url: URL, what: string, fetchFn: typeof fetch): Promise<ArrayBuffer> {
  const response = await fetchFn(url);
  if (!response.ok) throw new ArtifactError(what, `fetching ${url.href} failed: HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** Fetches a manifest and the weight file named in it (resolved against the manifest's URL). */
export async function fetchArtifact(url: string | URL, fetchFn: typeof fetch = fetch): Promise<CondensedModel> {
  const base = new URL(url, globalThis.location?.href);
  const manifestBytes = await fetchBytes(base, 'manifest', fetchFn);
  const { manifest } = readManifest(manifestBytes);
  const weights = await fetchBytes(new URL(manifest.weightsFile, base), 'weightsFile', fetchFn);
  return decodeArtifact(manifest, weights);
}
