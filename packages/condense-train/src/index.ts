export * from './data/index.js';
export { defaultAugmentation } from './data/default-augmentation.js';
export { AUTO_ORDER, BACKEND_CHOICES, selectBackend, type BackendChoice, type BackendName, type SelectedBackend } from './backend/select-backend.js';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
  type Checkpoint,
  type CheckpointTensor,
} from './checkpoint/checkpoint-file.js';
export { trainableFromLayersModel } from './model/layers-model.js';
export { REFERENCE_SGD, Sgd, type NamedParameter, type SgdOptions, type SgdSlot } from './optim/sgd.js';
export { DataParallel, shardSizes, type DataParallelOptions, type ShardableBatch } from './parallel/data-parallel.js';
export { renderLearningCurve, type CurvePoint, type CurveSeries, type LearningCurveData } from './report/learning-curve.js';
export { renderConnectivity } from './report/connectivity-figure.js';
export { ProgressBar, formatDuration, type ProgressBarOptions, type ProgressFields } from './report/progress-bar.js';
export { evaluate, scoreLogits, tensorPredictor, type EvaluateOptions, type Evaluation, type Predictor } from './training/evaluate.js';
export type { CondensingStep, EpochRecord, LossSample, TrainingHistory } from './training/history.js';
export { REFERENCE_TRAIN_OPTIONS, type TrainOptions } from './training/options.js';
export { trainStep, type StepInput, type StepResult } from './training/train-step.js';
export type { TrainableModel } from './training/trainable-model.js';
export {
  CHECKPOINT_FILE,
  CURVE_FILE,
  LOG_FILE,
  train,
  type TrainData,
  type TrainHooks,
  type TrainResult,
} from './training/trainer.js';
export { DATASET_METADATA_KEY, attachDataset, datasetOf } from './run/dataset-metadata.js';
export { runtimeModelOf, writeRuntimeArtifact } from './run/runtime-artifact.js';
export {
  defaultOutDir,
  runTraining,
  type FormReport,
  type ModelChoice,
  type RunTrainingOptions,
  type RunTrainingResult,
} from './run/run-training.js';
export { seededSubset } from './run/run-training.js';
export { defaultWorkers } from './run/default-workers.js';
export { convertCheckpoint, loadSavedModel, runtimeArtifactAt, type ConvertResult, type LoadedModel } from './run/saved-model.js';
export { evaluateSaved, type SavedEvaluation } from './run/evaluate-saved.js';
export { checkpointFromReference, type ReferenceTraining } from './reference/reference-checkpoint.js';
export { importCheckpoint, type ImportOptions, type ImportResult } from './reference/import-checkpoint.js';
export { exportModel, type ExportOptions, type ExportResult } from './reference/export-model.js';
