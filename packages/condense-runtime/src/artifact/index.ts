export { ARTIFACT_FORMAT, ARTIFACT_VERSION } from './types.js';
export type { ArtifactManifest, CondensedModel, LayerEntry, StoredDtype, TensorEntry, WeightStorage } from './types.js';
export { ArtifactError } from './errors.js';
export { encodeArtifact, type EncodedArtifact, type EncodeOptions } from './encode.js';
export { decodeArtifact, readManifest, type ManifestSource } from './decode.js';
export { fetchArtifact } from './fetch.js';
export { expectedTensors, type ExpectedTensor } from './expected.js';
export {
  ARTIFACT_MANIFEST_FILE,
  ARTIFACT_WEIGHTS_FILE,
  condensedModelFromStateDict,
  type StateDictEntry,
  type StateDictMetadata,
} from './from-state-dict.js';
