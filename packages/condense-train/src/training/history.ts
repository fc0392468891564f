/** One line of the JSON-lines log, written at the end of every epoch. */
export interface EpochRecord {
  epoch: number;
  iterations: number;
  trainLoss: number;
  trainTop1: number;
  testLoss: number;
  testTop1: number;
  testTop5: number;
  learningRate: number;
  stage: number;
  seconds: number;
  imagesPerSecond: number;
  /**
   * The same rate over the iterations run at each condensing stage of this epoch (keyed by the
   * stage), so the log shows what each stage's connectivity costs.
   */
  imagesPerSecondByStage: Record<string, number>;
}

/** Training loss sampled along the run, for the learning curve (x in fractional epochs). */
export interface LossSample {
  epoch: number;
  loss: number;
  learningRate: number;
}

export interface CondensingStep {
  epoch: number;
  stage: number;
}

export interface TrainingHistory {
  epochs: EpochRecord[];
  losses: LossSample[];
  condensingSteps: CondensingStep[];
}

export function emptyHistory(): TrainingHistory {
  return { epochs: [], losses: [], condensingSteps: [] };
}
