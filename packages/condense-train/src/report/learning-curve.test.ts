import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { niceTicks, renderLearningCurve } from './learning-curve.js';

function curve(epochs: number, f: (e: number) => number) {
  return Array.from({ length: epochs * 10 + 1 }, (_, i) => ({ epoch: i / 10, value: f(i / 10) }));
}

describe('renderLearningCurve', () => {
  it('draws a PNG with curves, and condensing steps in their own colour', () => {
    const png = renderLearningCurve({
      title: 'condensenet-86 fashion-mnist',
      epochs: 6,
      loss: [
        { label: 'train', points: curve(6, (e) => 2 / (1 + e)) },
        { label: 'test', points: curve(6, (e) => 2.2 / (1 + e)) },
      ],
      accuracy: [{ label: 'test top-1', points: curve(6, (e) => 60 + 5 * e) }],
      learningRate: curve(6, (e) => 0.05 * (1 + Math.cos((Math.PI * e) / 6))),
      condensingSteps: [
        { epoch: 1, stage: 1 },
        { epoch: 2, stage: 2 },
        { epoch: 3, stage: 3 },
      ],
    });
    const image = PNG.sync.read(png);
    expect(image.width).toBe(960);
    expect(image.height).toBeGreaterThan(600);
    expect(image.height).toBeLessThan(900);
    const colours = new Set<string>();
    for (let i = 0; i < image.data.length; i += 4) {
      colours.add(`${image.data[i]},${image.data[i + 1]},${image.data[i + 2]}`);
    }
    expect(colours).toContain('200,60,60');
    expect(colours).toContain('31,119,180');
    expect(colours).toContain('255,127,14');
  });

  it('adds a fourth panel of training images/s when given', () => {
    const base = {
      title: 'throughput',
      epochs: 6,
      loss: [{ label: 'train', points: curve(6, (e) => 2 / (1 + e)) }],
      accuracy: [{ label: 'test top-1', points: curve(6, (e) => 60 + 5 * e) }],
      learningRate: curve(6, () => 0.1),
      condensingSteps: [{ epoch: 3, stage: 3 }],
    };
    const without = PNG.sync.read(renderLearningCurve(base));
    const withPanel = PNG.sync.read(renderLearningCurve({ ...base, throughput: [0.5, 1.5, 2.5, 3.5, 4.5, 5.5].map((epoch) => ({ epoch, value: epoch < 3 ? 430 : 610 })) }));
    expect(withPanel.height).toBeGreaterThan(without.height + 200);
    // The new panel, below the other three, holds the series' colour.
    const rowsBelow = withPanel.data.subarray(without.height * withPanel.width * 4);
    let blue = 0;
    for (let i = 0; i < rowsBelow.length; i += 4) if (rowsBelow[i] === 31 && rowsBelow[i + 1] === 119 && rowsBelow[i + 2] === 180) blue++;
    expect(blue).toBeGreaterThan(100);
  });

  it('copes with empty and constant series', () => {
    const png = renderLearningCurve({
      title: 'empty',
      epochs: 1,
      loss: [{ label: 'train', points: [] }],
      accuracy: [{ label: 'test', points: [{ epoch: 1, value: 50 }] }],
      learningRate: curve(1, () => 0.1),
      condensingSteps: [],
    });
    expect(PNG.sync.read(png).width).toBe(960);
  });
});

describe('niceTicks', () => {
  it('picks round steps inside the range', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.013, 0.1, 5)).toEqual([0.02, 0.04, 0.06, 0.08, 0.1]);
    expect(niceTicks(0.013, 0.1, 4)).toEqual([0.05, 0.1]);
  });
});
