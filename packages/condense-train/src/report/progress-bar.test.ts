import { describe, expect, it } from 'vitest';
import { ProgressBar, formatDuration } from './progress-bar.js';

function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('ProgressBar', () => {
  it('shows fraction, rate, ETA and fields', () => {
    const clock = fakeClock();
    const lines: string[] = [];
    const bar = new ProgressBar({ total: 1000, unit: 'img', label: 'epoch 1/3', now: clock.now, write: (t) => lines.push(t), interactive: true, width: 10 });
    clock.advance(1000);
    bar.tick(100, { loss: 2.30251, lr: 0.1, stage: '0/3' });
    expect(lines[0]).toBe('\repoch 1/3 [#---------]  10% 100/1000 100.0 img/s ETA 0:09  loss 2.3025  lr 0.1000  stage 0/3\x1b[K');
    clock.advance(1000);
    bar.tick(900);
    expect(lines[1]).toMatch(/\[##########\] 100% 1000\/1000 .* ETA 0:00/);
    bar.finish({ top1: 0.91 });
    expect(lines[2]).toBe('\repoch 1/3 1000/1000 in 0:02  top1 0.9100\x1b[K\n');
  });

  it('prints whole lines at most every interval when not on a terminal', () => {
    const clock = fakeClock();
    const lines: string[] = [];
    const bar = new ProgressBar({ total: 30, now: clock.now, write: (t) => lines.push(t), interactive: false, logIntervalMs: 5000 });
    for (let i = 0; i < 30; i++) {
      clock.advance(1000);
      bar.tick(1);
    }
    expect(lines.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(lines).toHaveLength(7);
    expect(lines.at(-1)).toMatch(/100% 30\/30/);
  });
});

describe('formatDuration', () => {
  it('formats minutes and hours', () => {
    expect(formatDuration(42)).toBe('0:42');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('?');
  });
});
