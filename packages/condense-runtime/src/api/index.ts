export { AUTO_ORDER, BACKEND_CHOICES, BackendError, selectBackend, type BackendChoice, type BackendLoader, type BackendName } from './backend.js';
export { InputError, type ImageInput, type InputGeometry, type RgbaImage } from './pixels.js';
export type { ClassScore, Predictions } from './predictions.js';
export { createRuntimeModel, loadModel, type ArtifactSource, type LoadOptions, type RuntimeModel } from './runtime-model.js';
