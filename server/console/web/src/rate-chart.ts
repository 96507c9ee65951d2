import uPlot from 'uplot';
import { clockTicks, TIME_STEPS } from './clock-ticks.js';
import type { FleetSample } from './types.js';

/** As many samples as the server keeps (10 minutes at one every 2 s). */
const WINDOW = 300;

const clock = uPlot.fmtDate('{HH}:{mm}:{ss}');

/**
 * The server's own series (GET /api/stats/series): replications and shed 503s per second on
 * the left axis, the p50 and p99 latency estimated from the server's histogram on the right.
 * The series lives on the server, so a console opened now shows the last ten minutes.
 */
export class RateChart {
  private samples: FleetSample[] = [];
  private readonly plot: uPlot;
  private readonly resize = () => this.plot.setSize(this.size());

  constructor(private readonly container: HTMLElement) {
    this.plot = new uPlot(
      {
        ...this.size(),
        scales: {
          x: { time: true },
          rate: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
          ms: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
        },
        axes: [
          {
            incrs: TIME_STEPS,
            space: 70,
            splits: (_u, _axis, min, max, incr, space) => clockTicks(min, max, incr, space),
            values: (_u, ticks) => {
              const labels = ticks.map((t) => clock(new Date(t * 1_000)));
              // What the axis drew, readable by a test (the canvas itself has no text).
              this.container.dataset.xTicks = labels.join(' ');
              return labels;
            },
          },
          { scale: 'rate', label: 'per second' },
          { scale: 'ms', side: 1, label: 'latency ms', grid: { show: false } },
        ],
        series: [
          { value: (_u, t) => (t === null ? '–' : clock(new Date(t * 1_000))) },
          { label: 'replications / s', scale: 'rate', stroke: '#2563eb', width: 2, value: num },
          { label: 'shed (503) / s', scale: 'rate', stroke: '#d97706', width: 1, value: num },
          { label: 'p50 ms', scale: 'ms', stroke: '#dc2626', width: 1, dash: [4, 4], value: num },
          { label: 'p99 ms', scale: 'ms', stroke: '#dc2626', width: 1, value: num },
        ],
        legend: { live: false },
      },
      [[], [], [], [], []],
      container,
    );
    window.addEventListener('resize', this.resize);
  }

  /** Adds samples newer than those held (the server's answer to ?since=). */
  add(samples: readonly FleetSample[]): void {
    const last = this.samples.at(-1)?.at ?? 0;
    this.samples.push(...samples.filter((s) => s.at > last));
    if (this.samples.length > WINDOW) this.samples = this.samples.slice(-WINDOW);
    this.container.dataset.samples = String(this.samples.length);
    this.plot.setData([
      this.samples.map((s) => s.at / 1_000),
      this.samples.map((s) => s.replicationsPerSecond),
      this.samples.map((s) => s.shedPerSecond),
      this.samples.map((s) => s.p50Ms),
      this.samples.map((s) => s.p99Ms),
    ]);
  }

  get count(): number {
    return this.samples.length;
  }

  get lastAt(): number {
    return this.samples.at(-1)?.at ?? 0;
  }

  destroy(): void {
    window.removeEventListener('resize', this.resize);
    this.plot.destroy();
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(280, this.container.clientWidth - 16), height: 260 };
  }
}

function num(_u: uPlot, v: number | null): string {
  return v === null || v === undefined ? '–' : String(Math.round(v * 10) / 10);
}
