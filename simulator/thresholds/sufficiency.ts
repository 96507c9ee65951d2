import type { ThresholdSubject } from './catalogue.js';

/**
 * When a run holds too little to judge: a gate on it must fail, never pass. A run that
 * scheduled nothing (a duration shorter than the interval, a server that was down) has a p99
 * of 0 ms and an error ratio of 0, which would pass `p99<250ms` and `errors<0.1%` by saying
 * nothing at all.
 */
export interface DataRule {
  /** Fewer completed replications than this is not enough. */
  readonly minReplications: number;
  /** A fleet run must cover at least this many intervals of schedule time. */
  readonly minIntervals: number;
}

/** ours: 100 samples put one answer in a p99's tail; one interval lets every agent speak once. */
export const DEFAULT_DATA_RULE: DataRule = { minReplications: 100, minIntervals: 1 };

/** Why the subject cannot be judged, or null when it can. */
export function insufficientData(
  subject: ThresholdSubject,
  rule: DataRule = DEFAULT_DATA_RULE,
): string | null {
  const completed = subject.figures.replications.completed;
  if (completed < rule.minReplications) {
    return `not enough data: ${completed.toLocaleString('en-US')} replications completed (a gate needs at least ${rule.minReplications.toLocaleString('en-US')})`;
  }
  const coverage = subject.coverage;
  if (coverage && coverage.intervalSeconds !== null && rule.minIntervals > 0) {
    const intervals = coverage.scheduleSeconds / coverage.intervalSeconds;
    if (intervals < rule.minIntervals) {
      return `not enough data: the run covered ${intervals.toFixed(2)} of the ${coverage.intervalSeconds.toLocaleString('en-US')} s interval (a gate needs at least ${rule.minIntervals}; lengthen --duration or raise --time-scale)`;
    }
  }
  return null;
}
