import type { ReplicationSample } from '../metrics/contract.js';

/**
 * Just enough statistics for one step of a capacity search or a minimal summary: outcomes
 * and latencies from the scheduled time (what an agent's user waits), exact percentiles
 * from the kept samples (a step holds at most rate x step length of them).
 */
export class StepStats {
  private latencies: number[] = [];
  completed = 0;
  failed = 0;
  late = 0;
  logsSent = 0;
  logsAcked = 0;
  readonly outcomes = new Map<string, number>();

  constructor(private readonly lateThresholdMs: number) {}

  add(sample: ReplicationSample): void {
    this.completed++;
    if (sample.outcome !== 'ok') this.failed++;
    if (sample.sentAtMs - sample.scheduledAtMs > this.lateThresholdMs) this.late++;
    this.logsSent += sample.logsSent;
    this.logsAcked += sample.logsAcked;
    this.outcomes.set(sample.outcome, (this.outcomes.get(sample.outcome) ?? 0) + 1);
    this.latencies.push(sample.doneAtMs - sample.scheduledAtMs);
  }

  /** Latency percentile (0-100) from the scheduled time, ms; 0 with no samples. */
  percentile(p: number): number {
    if (this.latencies.length === 0) return 0;
    const sorted = Float64Array.from(this.latencies).sort();
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[rank] as number;
  }

  get errorRatio(): number {
    return this.completed === 0 ? 0 : this.failed / this.completed;
  }
}
