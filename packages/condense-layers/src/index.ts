// Importing the package registers its layers with tf.serialization (a side effect, on purpose:
// saved models can only be loaded once their classes are registered).
export { conv2d, type Conv2dOptions } from './ops/conv2d.js';
export { withoutInputGradients } from './ops/input-gradients.js';
export {
  groupConv2d,
  GROUP_CONV_STRATEGIES,
  type GroupConv2dOptions,
  type GroupConvStrategy,
} from './ops/group-conv2d.js';
export {
  backendStrategies,
  defaultGroupConvStrategy,
  defaultIndexSelectStrategy,
  setBackendStrategies,
  type BackendStrategies,
} from './ops/strategy-defaults.js';
export { maskedConv1x1 } from './ops/masked-conv1x1.js';
export { channelShuffle } from './ops/channel-shuffle.js';
export { concatChannels } from './ops/concat-channels.js';
export { matMulAtB } from './ops/mat-mul-at-b.js';
export { indexSelect, type IndexSelectStrategy } from './ops/index-select.js';

export { CondenseLayer, BN_EPSILON, BN_MOMENTUM } from './layers/base.js';
export { LearnedGroupConv, type LearnedGroupConvArgs } from './layers/learned-group-conv.js';
export { GroupConv2D, type GroupConv2DArgs } from './layers/group-conv2d.js';
export { CondensedConv, type CondensedConvArgs } from './layers/condensed-conv.js';
export { ChannelConcat } from './layers/channel-concat.js';
export { ChannelShuffle, type ChannelShuffleArgs } from './layers/channel-shuffle.js';
export { IndexSelect, type IndexSelectArgs } from './layers/index-select.js';
export { Linear, CondensingLinear, type LinearArgs, type CondensingLinearArgs } from './layers/linear.js';
export { TorchBatchNorm } from './layers/batch-norm.js';

export {
  buildCondenseNet,
  buildDenseNetBC,
  condenseNetMetadata,
  denseLayer,
  learnedGroupConvs,
  setProgress,
  transition,
  type BuildOptions,
  type CondenseNetMetadata,
  type ModelForm,
} from './models/condensenet.js';
export { condense, type CondenseOptions } from './models/condense.js';
export {
  exportReferenceStateDict,
  loadReferenceStateDict,
  referenceParametersOf,
  referenceVariable,
  type ReferenceStateDict,
} from './models/reference.js';
export { assignReferenceTensor, readReferenceTensor, toModelLayout, type ReferenceTensor } from './models/reference-tensor.js';
export { computeGradients, groupLassoLoss, type GradientOptions, type StepResult } from './models/training.js';

export { loadCondenseNet, saveToMemory, validateTopology } from './io/load.js';
