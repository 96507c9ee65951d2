import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Flags a saturated event loop (p99 delay over the limit in two half-second windows), so the
 * agent plane sheds new replications with 503 instead of letting latency grow without bound.
 */
export class OverloadGuard {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private timer: NodeJS.Timeout | null = null;
  saturated = false;
  lastP99Ms = 0;

  constructor(private readonly maxDelayMs = 250) {}

  start(): void {
    this.histogram.enable();
    this.timer = setInterval(() => {
      const p99 = this.histogram.percentile(99) / 1e6;
      // Two windows in a row: one long garbage collection is not saturation.
      this.saturated = p99 > this.maxDelayMs && this.lastP99Ms > this.maxDelayMs;
      this.lastP99Ms = p99;
      this.histogram.reset();
    }, 500);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram.disable();
  }
}
