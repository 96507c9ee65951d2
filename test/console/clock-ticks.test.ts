import { describe, expect, it } from 'vitest';
import { clockTicks } from '../../server/console/web/src/clock-ticks.js';

/** Ticks of the console's rate chart: uPlot's step, or a finer one rather than a lone label. */
describe('clockTicks', () => {
  it('keeps the step uPlot found when it gives two labels or more', () => {
    // 60 s over 300 px: uPlot found 15 s at 75 px.
    expect(clockTicks(1_000, 1_060, 15, 75)).toEqual([1_005, 1_020, 1_035, 1_050]);
  });

  it('steps down when the found step leaves one label, never below the label width', () => {
    // 40 s over 160 px (4 px/s): uPlot found 30 s at 120 px, one tick in [1000, 1040].
    const ticks = clockTicks(1_000, 1_040, 30, 120);
    expect(ticks).toEqual([1_005, 1_020, 1_035]);
    const gaps = ticks.slice(1).map((tick, i) => (tick - (ticks[i] ?? tick)) * 4);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(56);
  });

  it('keeps a lone label rather than crowd labels over each other', () => {
    // 8 s over 80 px (10 px/s): 5 s is 50 px, narrower than a label; uPlot's 10 s stays.
    expect(clockTicks(1_001, 1_009, 10, 100).length).toBeLessThanOrEqual(1);
  });
});
