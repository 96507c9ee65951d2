import uPlot from 'uplot';
import type { Trends } from './types.js';

/** Detections and newly enrolled computers per UTC day, as bars over the last days. */
export class TrendChart {
  private readonly plot: uPlot;
  private readonly resize = () => this.plot.setSize(this.size());

  constructor(private readonly container: HTMLElement) {
    const bars = uPlot.paths.bars?.({ size: [0.4, 40] });
    this.plot = new uPlot(
      {
        ...this.size(),
        scales: {
          x: { time: false },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
        },
        axes: [
          {
            space: 50,
            incrs: [1, 2, 7],
            values: (_u, ticks) => ticks.map((t) => this.days[t]?.slice(5) ?? ''),
          },
          { label: 'per day' },
        ],
        series: [
          { value: (_u, t) => (t === null ? '–' : (this.days[t] ?? '')) },
          { label: 'detections', stroke: '#dc2626', fill: '#dc262633', paths: bars },
          { label: 'computers enrolled', stroke: '#2563eb', width: 2 },
        ],
        legend: { live: false },
      },
      [[], [], []],
      container,
    );
    window.addEventListener('resize', this.resize);
  }

  private days: string[] = [];

  show(trends: Trends): void {
    this.days = trends.detectionsPerDay.map((d) => d.day);
    this.plot.setData([
      this.days.map((_d, i) => i),
      trends.detectionsPerDay.map((d) => d.count),
      trends.enrolledPerDay.map((d) => d.count),
    ]);
  }

  destroy(): void {
    window.removeEventListener('resize', this.resize);
    this.plot.destroy();
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(280, this.container.clientWidth - 16), height: 220 };
  }
}

const clock = uPlot.fmtDate('{MM}-{DD} {HH}:{mm}');

/** Real computers not seen within their interval, over the samples the server took (every 5 min). */
export class OfflineChart {
  private readonly plot: uPlot;
  private readonly resize = () => this.plot.setSize(this.size());

  constructor(private readonly container: HTMLElement) {
    this.plot = new uPlot(
      {
        ...this.size(),
        scales: {
          x: { time: true },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] },
        },
        axes: [
          {
            space: 90,
            incrs: [300, 900, 1_800, 3_600, 7_200, 21_600, 43_200, 86_400],
            values: (_u, ticks) => ticks.map((t) => clock(new Date(t * 1_000))),
          },
          { label: 'computers' },
        ],
        series: [
          { value: (_u, t) => (t === null ? '–' : clock(new Date(t * 1_000))) },
          { label: 'offline', stroke: '#d97706', width: 2 },
          { label: 'all', stroke: '#9ca3af', width: 1, dash: [4, 4] },
        ],
        legend: { live: false },
      },
      [[], [], []],
      container,
    );
    window.addEventListener('resize', this.resize);
  }

  show(trends: Trends): void {
    this.container.dataset.samples = String(trends.offline.length);
    this.plot.setData([
      trends.offline.map((s) => s.at / 1_000),
      trends.offline.map((s) => s.offline),
      trends.offline.map((s) => s.total),
    ]);
  }

  destroy(): void {
    window.removeEventListener('resize', this.resize);
    this.plot.destroy();
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(280, this.container.clientWidth - 16), height: 180 };
  }
}
