export interface ClassScore {
  index: number;
  className: string;
  probability: number;
  logit: number;
}

/** One `predict` call's results, as plain arrays (no tensors to dispose). */
export interface Predictions {
  batch: number;
  numClasses: number;
  /** [batch, numClasses] row-major. */
  logits: Float32Array;
  /** Softmax of each row of `logits`. */
  probabilities: Float32Array;
  /** The k most probable classes of each image, most probable first. */
  topK(k?: number): ClassScore[][];
}

export function toPredictions(logits: Float32Array, batch: number, classes: readonly string[]): Predictions {
  const numClasses = classes.length;
  const probabilities = new Float32Array(logits.length);
  for (let n = 0; n < batch; n++) {
    const row = logits.subarray(n * numClasses, (n + 1) * numClasses);
    // Subtracting the row's maximum keeps exp from overflowing on large logits.
    const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
    let total = 0;
    for (let i = 0; i < numClasses; i++) total += Math.exp(row[i] - max);
    for (let i = 0; i < numClasses; i++) probabilities[n * numClasses + i] = Math.exp(row[i] - max) / total;
  }
  return {
    batch,
    numClasses,
    logits,
    probabilities,
    topK(k = 5) {
      if (!Number.isInteger(k) || k < 1) throw new RangeError(`topK: k = ${k} must be a positive integer`);
      return Array.from({ length: batch }, (_, n) =>
        Array.from({ length: numClasses }, (_, index) => index)
          .sort((a, b) => logits[n * numClasses + b] - logits[n * numClasses + a])
          .slice(0, k)
          .map((index) => ({
            index,
            className: classes[index],
            probability: probabilities[n * numClasses + index],
            logit: logits[n * numClasses + index],
          })),
      );
    },
  };
}
