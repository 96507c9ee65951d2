import type { ServerTelemetry } from '../telemetry/server-telemetry.js';

/** One sample of the server's pace: what happened in the `windowSeconds` before `at`. */
export interface FleetSample {
  /** Epoch milliseconds at the end of the window. */
  at: number;
  windowSeconds: number;
  /** Replications answered per second over the window. */
  replicationsPerSecond: number;
  /** Answered 503 (shed) per second over the window. */
  shedPerSecond: number;
  /** Latency percentiles in ms over the window, estimated from the histogram; null: no replication. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  queueDepth: number;
}

type Buckets = readonly (readonly [le: number, count: number])[];

/** How often a sample is taken, and how many are kept: 10 minutes at 2 s. */
export const SAMPLE_EVERY_MS = 2_000;
export const SAMPLES_KEPT = 300;

/**
 * The overview's rate and latency series, kept on the server so that a console opened (or
 * reloaded, or switched back to) shows the last ten minutes at once instead of starting
 * empty in each tab. One timer per server, a fixed-size ring: no database, no growth.
 */
export class FleetSeries {
  private readonly samples: FleetSample[] = [];
  private previous: { at: number; replications: number; shed: number; buckets: Buckets } | null =
    null;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly telemetry: ServerTelemetry,
    private readonly queueDepth: () => number,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), SAMPLE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Samples taken after `sinceMs` (all kept ones without it), oldest first. */
  since(sinceMs = 0): FleetSample[] {
    return this.samples.filter((s) => s.at > sinceMs);
  }

  /** Takes one sample now (the timer calls it; tests may too). */
  async sample(now = Date.now()): Promise<void> {
    const buckets = await this.buckets();
    const { replications, shed } = this.telemetry.totals;
    const before = this.previous;
    this.previous = { at: now, replications, shed, buckets };
    if (!before || now <= before.at) return;
    const seconds = (now - before.at) / 1_000;
    const window = buckets.map(([le, count], i) => [le, count - (before.buckets[i]?.[1] ?? 0)]);
    this.samples.push({
      at: now,
      windowSeconds: Math.round(seconds * 10) / 10,
      replicationsPerSecond: round(Math.max(0, replications - before.replications) / seconds),
      shedPerSecond: round(Math.max(0, shed - before.shed) / seconds),
      p50Ms: quantileMs(window, 0.5),
      p95Ms: quantileMs(window, 0.95),
      p99Ms: quantileMs(window, 0.99),
      queueDepth: this.queueDepth(),
    });
    if (this.samples.length > SAMPLES_KEPT) this.samples.shift();
  }

  private async buckets(): Promise<Buckets> {
    const metric = await this.telemetry.replicationSeconds.get();
    return metric.values
      .filter((v) => v.metricName?.endsWith('_bucket'))
      .map(
        (v) =>
          [
            v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le),
            v.value,
          ] as const,
      )
      .sort((a, b) => a[0] - b[0]);
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * The q-quantile of a cumulative histogram window, interpolated linearly inside the bucket
 * that holds it (what Prometheus' histogram_quantile does): an estimate, not a bucket bound.
 * Past the last finite bound it answers that bound.
 */
export function quantileMs(window: readonly (readonly number[])[], q: number): number | null {
  const total = window.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le = 0, count = 0] of window) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return Math.round(lower * 1_000 * 10) / 10;
      const inBucket = count - below;
      const fraction = inBucket > 0 ? (rank - below) / inBucket : 1;
      return Math.round((lower + (le - lower) * fraction) * 1_000 * 10) / 10;
    }
    lower = le;
    below = count;
  }
  return Math.round(lower * 1_000 * 10) / 10;
}
