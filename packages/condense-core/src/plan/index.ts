export { CONDENSING_LINEAR_KEEP, buildPlan, denseLayers } from './build.js';
export { referenceParameters } from './reference-names.js';
export type { ModelForm, ReferenceParameter, ReferenceRole } from './reference-names.js';
export type {
  ArchitecturePlan,
  BlockPlan,
  DenseLayerPlan,
  HeadPlan,
  StemPlan,
  TransitionPlan,
} from './types.js';
