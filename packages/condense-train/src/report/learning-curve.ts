import { GLYPH_HEIGHT, textWidth } from './font.js';
import { Raster } from './raster.js';
import type { Rgb } from './raster.js';

export interface CurvePoint {
  /** Position on the x axis in epochs (fractional within an epoch). */
  epoch: number;
  value: number;
}

export interface CurveSeries {
  label: string;
  points: CurvePoint[];
}

export interface LearningCurveData {
  title: string;
  epochs: number;
  loss: CurveSeries[];
  /** Accuracies in percent. */
  accuracy: CurveSeries[];
  learningRate: CurvePoint[];
  /**
   * Training images/s, a point per epoch (or finer): drawn in a fourth panel when given, so that
   * training getting cheaper as it condenses shows next to the condensing steps.
   */
  throughput?: CurvePoint[];
  /** When a condensing step pruned the masks, and the stage it reached (the paper's Figure 4). */
  condensingSteps: Array<{ epoch: number; stage: number }>;
}

const WIDTH = 960;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 78, right: 24, top: 58, bottom: 36 };
const GAP = 34;
const SCALE = 2;
const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];
const STEP: Rgb = [200, 60, 60];
const PALETTE: Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [148, 103, 189],
];

/**
 * Loss, accuracy, learning rate (and training images/s, when given) against epochs in stacked
 * panels, with every condensing step drawn as a dashed line: the loss jumps there, most at the
 * last step, and training speeds up as the learned group convs lose connections.
 */
export function renderLearningCurve(data: LearningCurveData): Buffer {
  // A rate is read against zero: a panel zoomed in on its range would make noise look like a speed-up.
  const panels: Array<{ title: string; series: CurveSeries[]; fromZero?: boolean }> = [
    { title: 'loss', series: data.loss },
    { title: 'accuracy %', series: data.accuracy },
    { title: 'learning rate', series: [{ label: 'lr', points: data.learningRate }] },
    ...(data.throughput?.length ? [{ title: 'training images/s', series: [{ label: 'images/s', points: data.throughput }], fromZero: true }] : []),
  ];
  const height = MARGIN.top + panels.length * PANEL_HEIGHT + (panels.length - 1) * GAP + MARGIN.bottom;
  const raster = new Raster(WIDTH, height);
  raster.text(MARGIN.left, 10, data.title, INK, SCALE);
  const xMax = Math.max(data.epochs, 1e-9);
  panels.forEach((panel, i) => {
    const top = MARGIN.top + i * (PANEL_HEIGHT + GAP);
    drawPanel(raster, panel.title, panel.series, data.condensingSteps, xMax, {
      left: MARGIN.left,
      top,
      width: WIDTH - MARGIN.left - MARGIN.right,
      height: PANEL_HEIGHT - 18,
    }, panel.fromZero ?? false);
  });
  return raster.toPng();
}

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

function drawPanel(
  raster: Raster,
  title: string,
  series: CurveSeries[],
  steps: LearningCurveData['condensingSteps'],
  xMax: number,
  box: Box,
  fromZero: boolean,
): void {
  const values = series.flatMap((s) => s.points.map((p) => p.value)).filter(Number.isFinite);
  const [lo, yMax] = values.length ? paddedRange(fromZero ? [0, ...values] : values) : [0, 1];
  const yMin = fromZero ? 0 : lo;
  const px = (epoch: number) => box.left + (epoch / xMax) * box.width;
  const py = (v: number) => box.top + box.height - ((v - yMin) / (yMax - yMin)) * box.height;

  for (const t of niceTicks(yMin, yMax, 5)) {
    raster.line(box.left, py(t), box.left + box.width, py(t), GRID);
    const label = formatTick(t);
    raster.text(box.left - 8 - textWidth(label, SCALE), py(t) - GLYPH_HEIGHT, label, INK, SCALE);
  }
  for (const t of niceTicks(0, xMax, 10)) {
    raster.line(px(t), box.top + box.height, px(t), box.top + box.height + 4, INK);
    const label = formatTick(t);
    raster.text(px(t) - textWidth(label, SCALE) / 2, box.top + box.height + 7, label, INK, SCALE);
  }
  for (const step of steps) {
    raster.line(px(step.epoch), box.top, px(step.epoch), box.top + box.height, STEP, 1, [6, 4]);
    raster.text(px(step.epoch) + 3, box.top + 3, `s${step.stage}`, STEP, SCALE);
  }
  raster.line(box.left, box.top, box.left, box.top + box.height, INK);
  raster.line(box.left, box.top + box.height, box.left + box.width, box.top + box.height, INK);

  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const points = s.points.filter((p) => Number.isFinite(p.value));
    for (let k = 1; k < points.length; k++) {
      raster.line(px(points[k - 1].epoch), py(points[k - 1].value), px(points[k].epoch), py(points[k].value), color, 2);
    }
    if (points.length === 1) raster.fillRect(px(points[0].epoch) - 2, py(points[0].value) - 2, 5, 5, color);
  });

  raster.text(box.left + 6, box.top - 18, title, INK, SCALE);
  let legendX = box.left + box.width;
  for (let i = series.length - 1; i >= 0; i--) {
    legendX -= textWidth(series[i].label, SCALE) + 34;
    raster.fillRect(legendX, box.top - 12, 18, 4, PALETTE[i % PALETTE.length]);
    raster.text(legendX + 22, box.top - 18, series[i].label, INK, SCALE);
  }
}

function paddedRange(values: number[]): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1e-12) {
    const pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/** Round-numbered ticks (1, 2 or 5 times a power of ten) inside [lo, hi]. */
export function niceTicks(lo: number, hi: number, target: number): number[] {
  const raw = (hi - lo) / Math.max(1, target);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  }
  return ticks;
}

function formatTick(t: number): string {
  if (t === 0) return '0';
  const abs = Math.abs(t);
  if (abs >= 1000 || abs < 0.001) return t.toExponential(0);
  return String(Number(t.toPrecision(3)));
}
