import type { CounterName, ReplicationSample, RunRecorder } from '../../simulator/index.js';

/** Replication figures over a span of the run. */
export interface WindowFigures {
  readonly replications: number;
  readonly ok: number;
  /** 503/429 with Retry-After: refused on purpose (a draining node), retried by the agent. */
  readonly shed503: number;
  /** No answer or a non-503 error (connect refused while a node restarts, a reset stream). */
  readonly errors: number;
  readonly errorsByOutcome: Readonly<Record<string, number>>;
  /** From the agent's scheduled start to its answer (ms), as the rest of smc-kit measures. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

/**
 * A recorder that keeps the whole run's figures and, apart, those of the replications that
 * finished while the rolling upgrade ran (`open()` .. `close()`). Latencies are kept as
 * numbers: a rehearsal of a few thousand agents for a minute holds tens of thousands.
 */
export class ChangeWindowRecorder implements RunRecorder {
  private readonly all = new Span();
  private readonly change = new Span();
  private inChange = false;
  readonly counters = new Map<string, number>();
  readonly marks: { label: string; atMs: number }[] = [];

  open(): void {
    this.inChange = true;
  }

  close(): void {
    this.inChange = false;
  }

  recordReplication(sample: ReplicationSample): void {
    this.all.add(sample);
    if (this.inChange) this.change.add(sample);
  }

  count(name: CounterName, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  setGauge(): void {}

  /** The upgrade's verdict is on replications; the per-endpoint split is the report's. */
  recordRequest(): void {}

  mark(label: string): void {
    this.marks.push({ label, atMs: performance.now() });
  }

  figures(): { run: WindowFigures; change: WindowFigures } {
    return { run: this.all.figures(), change: this.change.figures() };
  }
}

class Span {
  private readonly latencies: number[] = [];
  private readonly outcomes = new Map<string, number>();

  add(sample: ReplicationSample): void {
    this.latencies.push(sample.doneAtMs - sample.scheduledAtMs);
    this.outcomes.set(sample.outcome, (this.outcomes.get(sample.outcome) ?? 0) + 1);
  }

  figures(): WindowFigures {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted.length === 0
        ? null
        : Math.round(
            sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number,
          );
    const errorsByOutcome: Record<string, number> = {};
    let errors = 0;
    for (const [outcome, n] of this.outcomes) {
      if (outcome === 'ok' || outcome === 'shed_503') continue;
      errorsByOutcome[outcome] = n;
      errors += n;
    }
    return {
      replications: sorted.length,
      ok: this.outcomes.get('ok') ?? 0,
      shed503: this.outcomes.get('shed_503') ?? 0,
      errors,
      errorsByOutcome,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: sorted.length === 0 ? null : Math.round(sorted[sorted.length - 1] as number),
    };
  }
}
