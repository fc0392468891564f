export interface ProgressBarOptions {
  /** Units of work in the whole run (e.g. images), for the bar and the ETA. */
  total: number;
  /** Name of one unit in the rate, e.g. "img". */
  unit?: string;
  label?: string;
  write?: (text: string) => void;
  /** On a terminal the bar redraws in place; elsewhere (logs, CI) it prints a line now and then. */
  interactive?: boolean;
  width?: number;
  now?: () => number;
  /** Minimum milliseconds between two non-interactive lines. */
  logIntervalMs?: number;
}

export type ProgressFields = Record<string, string | number>;

/**
 * A progress bar with rate, ETA and free-form fields (loss, learning rate, condensing stage).
 * The rate is smoothed so a slow first batch (kernel warm-up) doesn't dominate the ETA.
 */
export class ProgressBar {
  private done = 0;
  private readonly start: number;
  private lastTime: number;
  private lastLog = -Infinity;
  private rate = 0;
  private readonly write: (text: string) => void;
  private readonly now: () => number;
  private readonly interactive: boolean;

  constructor(private readonly options: ProgressBarOptions) {
    this.now = options.now ?? (() => performance.now());
    this.write = options.write ?? ((text) => process.stderr.write(text));
    this.interactive = options.interactive ?? Boolean(process.stderr.isTTY);
    this.start = this.now();
    this.lastTime = this.start;
  }

  /** Records `units` more units of work and redraws. */
  tick(units: number, fields: ProgressFields = {}): void {
    const t = this.now();
    const dt = (t - this.lastTime) / 1000;
    if (dt > 0) {
      const instant = units / dt;
      this.rate = this.rate === 0 ? instant : 0.8 * this.rate + 0.2 * instant;
    }
    this.lastTime = t;
    this.done = Math.min(this.options.total, this.done + units);
    if (this.interactive) {
      this.write(`\r${this.render(fields)}\x1b[K`);
    } else if (t - this.lastLog >= (this.options.logIntervalMs ?? 10_000) || this.done === this.options.total) {
      this.lastLog = t;
      this.write(`${this.render(fields)}\n`);
    }
  }

  /** Ends the bar's line with a final summary. */
  finish(fields: ProgressFields = {}): void {
    const elapsed = (this.now() - this.start) / 1000;
    const line = `${this.options.label ?? ''} ${this.done}/${this.options.total} in ${formatDuration(elapsed)}${formatFields(fields)}`.trim();
    this.write(this.interactive ? `\r${line}\x1b[K\n` : `${line}\n`);
  }

  render(fields: ProgressFields = {}): string {
    const { total, width = 24, unit = 'it', label } = this.options;
    const fraction = total > 0 ? this.done / total : 1;
    const filled = Math.round(fraction * width);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
    const eta = this.rate > 0 ? formatDuration((total - this.done) / this.rate) : '?';
    const parts = [
      label,
      bar,
      `${(fraction * 100).toFixed(0).padStart(3)}%`,
      `${this.done}/${total}`,
      `${this.rate.toFixed(1)} ${unit}/s`,
      `ETA ${eta}`,
    ].filter(Boolean);
    return parts.join(' ') + formatFields(fields);
  }
}

function formatFields(fields: ProgressFields): string {
  return Object.entries(fields)
    .map(([k, v]) => `  ${k} ${typeof v === 'number' ? formatNumber(v) : v}`)
    .join('');
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 0.01 ? v.toFixed(4) : v.toExponential(2);
}

/** 3725 -> "1:02:05", 42 -> "0:42". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
