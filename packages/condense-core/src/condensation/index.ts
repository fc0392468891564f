export { validateLearnedGroupShape, type LearnedGroupShape } from './shape.js';
export { targetStage } from './stage.js';
export {
  initialCondensationState,
  keptColumns,
  validateCondensationState,
  validateMask,
  type CondensationState,
} from './state.js';
export { groupImportance } from './importance.js';
export { advanceCondensation, pruneStep } from './prune.js';
export { groupLassoGroupNorms, groupLassoValue } from './lasso.js';
