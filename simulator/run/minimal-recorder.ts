import type {
  CounterName,
  GaugeName,
  ReplicationSample,
  RequestSample,
  RunRecorder,
} from '../metrics/contract.js';
import { StepStats } from './step-stats.js';

/**
 * A small stand-alone recorder: outcome counts, exact latency percentiles and counters. For
 * tests and for any caller that has no full metrics registry at hand.
 */
export class MinimalRecorder implements RunRecorder {
  readonly stats: StepStats;
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<string, number>();
  readonly marks: string[] = [];
  readonly samples: ReplicationSample[] = [];
  /** Every request by endpoint (enroll, replicate, ...), as the full registry splits them. */
  readonly requests: RequestSample[] = [];

  constructor(
    lateThresholdMs: number,
    private readonly keepSamples = false,
  ) {
    this.stats = new StepStats(lateThresholdMs);
  }

  recordReplication(sample: ReplicationSample): void {
    this.stats.add(sample);
    if (this.keepSamples) this.samples.push(sample);
  }

  recordRequest(sample: RequestSample): void {
    if (this.keepSamples) this.requests.push(sample);
  }

  count(name: CounterName, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  counter(name: CounterName): number {
    return this.counters.get(name) ?? 0;
  }

  setGauge(name: GaugeName, value: number): void {
    this.gauges.set(name, value);
  }

  mark(label: string): void {
    this.marks.push(label);
  }
}
