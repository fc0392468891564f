import type { Split } from './dataset.js';

/**
 * Per-channel mean and population standard deviation of pixel/255 over a whole split:
 * how the normalisation constants of the datasets were obtained, and how a user
 * derives them for a folder of their own images.
 */
export function channelStats(split: Split): { mean: number[]; std: number[] } {
  const c = split.channels;
  const sum = new Float64Array(c);
  const sumSq = new Float64Array(c);
  for (let i = 0; i < split.size; i++) {
    const image = split.image(i);
    for (let p = 0; p < image.length; p++) {
      const v = image[p];
      sum[p % c] += v;
      sumSq[p % c] += v * v;
    }
  }
  const n = split.size * split.height * split.width;
  const mean = Array.from(sum, (s) => s / n / 255);
  const std = Array.from(sumSq, (s, k) => Math.sqrt(Math.max(0, s / n / (255 * 255) - mean[k] * mean[k])));
  return { mean, std };
}
