export { ConfigError } from './errors.js';
export { DATA_KINDS, depthOf, geometryForInput, inputGeometry, stemOutputSize } from './types.js';
export type { CondenseNetConfig, CondenseNetConfigInput, DataKind, InputGeometry } from './types.js';
export { resolveConfig, validateConfig } from './resolve.js';
export { PRESET_NAMES, isPresetName, presetConfig } from './presets.js';
export type { PresetName } from './presets.js';
export { referenceNormalization } from './normalization.js';
export type { Normalization } from './normalization.js';
export { referenceClassNames } from './class-names.js';
