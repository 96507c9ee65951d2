import uPlot from 'uplot';

/** How many samples the chart keeps: 10 minutes at one sample every 2 s. */
const WINDOW = 300;

/**
 * Replications per second over time: the rate over the last polling window (what is
 * happening now) next to the server's 60-second average (the trend).
 */
export class RateChart {
  private readonly times: number[] = [];
  private readonly now: number[] = [];
  private readonly average: number[] = [];
  private readonly plot: uPlot;
  private readonly resize = () => this.plot.setSize(this.size());

  constructor(private readonly container: HTMLElement) {
    this.plot = new uPlot(
      {
        ...this.size(),
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [{}, { label: 'replications / s' }],
        series: [
          {},
          { label: 'last 2 s', stroke: '#2563eb', width: 2 },
          { label: '60 s average', stroke: '#9ca3af', width: 1, dash: [4, 4] },
        ],
      },
      [[], [], []],
      container,
    );
    window.addEventListener('resize', this.resize);
  }

  add(timeMs: number, ratePerSecond: number, averagePerSecond: number): void {
    this.times.push(timeMs / 1_000);
    this.now.push(ratePerSecond);
    this.average.push(averagePerSecond);
    if (this.times.length > WINDOW) {
      this.times.shift();
      this.now.shift();
      this.average.shift();
    }
    this.plot.setData([this.times, this.now, this.average]);
  }

  destroy(): void {
    window.removeEventListener('resize', this.resize);
    this.plot.destroy();
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(320, this.container.clientWidth - 16), height: 260 };
  }
}
