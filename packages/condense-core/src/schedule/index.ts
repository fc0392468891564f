export { trainingProgress } from './progress.js';
export { cosineLearningRate, cosineLearningRateAt, multistepLearningRate } from './learning-rate.js';
