export { InteropError } from './errors.js';
export type { PickleKey, PickleObject, PickleValue, TorchDtype, TorchTensor } from './torch/types.js';
export { isTorchTensor } from './torch/types.js';

export { readTorchFile, type TorchFile } from './torch/read.js';
export { unpickle, type UnpickleOptions } from './pickle/unpickler.js';
export { DATA_ONLY_GLOBALS } from './pickle/allowed-globals.js';
export type { AllowedGlobal, AllowedGlobals, GlobalRef, Handle, Unpickled } from './pickle/values.js';
export { encodeTorchZip, type TensorToWrite, type TorchZipOptions, type WritableKey, type WritableValue } from './torch/write.js';
export { decodeSafetensors, type SafetensorsContents } from './safetensors/read.js';
export { encodeSafetensors, type TensorLike } from './safetensors/write.js';
export { exportCondensedOnnx, type CondensedOnnxOptions, type CondensedWeights } from './onnx/export-condensed.js';

export { unwrapCheckpoint, type CheckpointWrapper, type UnwrappedCheckpoint } from './checkpoint/unwrap.js';
export type { ReferenceOptimizerState } from './checkpoint/optimizer.js';
export { inferArchitecture } from './checkpoint/infer.js';
export type { CondensingProgress, InferOptions, InferredArchitecture, LayerCondensing, OverrideNames, ShapedEntry } from './checkpoint/types.js';

export { readReferenceFile, type ReadReferenceOptions, type ReferenceFile } from './reference/read-reference-file.js';
export { encodeReferenceFile, type ExportFormat } from './reference/encode-reference-file.js';
export { DESCRIPTION_KEY, type SavedDescription } from './reference/description.js';
export { condenseTrainingStateDict, type TensorValues } from './reference/condense-state-dict.js';
