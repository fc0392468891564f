export type { Box } from './background.js';
export { preprocessImage, preprocessingFor, type PreprocessOptions, type Preprocessed } from './preprocess.js';
export type { Fit } from './resize.js';
