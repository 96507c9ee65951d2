import uPlot from 'uplot';

export interface RehearsalPoint {
  second: number;
  scheduled: number;
  completed: number;
  p99Ms: number;
}

/**
 * A rehearsal's curve: replications scheduled vs achieved per second (left axis) and the
 * p99 latency (right axis), over seconds since the rehearsal started. Redrawn whole on each
 * poll: the rehearsal sends its full (bounded) series every time.
 */
export class RehearsalChart {
  private readonly plot: uPlot;
  private readonly resize = () => this.plot.setSize(this.size());

  constructor(private readonly container: HTMLElement) {
    this.plot = new uPlot(
      {
        ...this.size(),
        scales: {
          x: { time: false },
          rate: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
          ms: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
        },
        axes: [
          { label: 'seconds since start' },
          { scale: 'rate', label: 'replications / s' },
          { scale: 'ms', side: 1, label: 'p99 ms', grid: { show: false } },
        ],
        series: [
          {},
          { label: 'scheduled / s', scale: 'rate', stroke: '#9ca3af', width: 1, dash: [4, 4] },
          { label: 'achieved / s', scale: 'rate', stroke: '#2563eb', width: 2 },
          { label: 'p99 ms', scale: 'ms', stroke: '#dc2626', width: 1 },
        ],
      },
      [[], [], [], []],
      container,
    );
    window.addEventListener('resize', this.resize);
  }

  show(points: readonly RehearsalPoint[]): void {
    this.plot.setData([
      points.map((p) => p.second),
      points.map((p) => p.scheduled),
      points.map((p) => p.completed),
      points.map((p) => p.p99Ms),
    ]);
  }

  destroy(): void {
    window.removeEventListener('resize', this.resize);
    this.plot.destroy();
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(320, this.container.clientWidth - 16), height: 280 };
  }
}
