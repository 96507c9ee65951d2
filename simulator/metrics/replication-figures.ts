import type { ReplicationOutcome, ReplicationSample } from './contract.js';
import { type Histogram, type LatencySummary, recordMs, summariseHistogram } from './histogram.js';
import type { MetricsRegistry } from './registry.js';

/** Every outcome, in the order reports list them. */
export const OUTCOMES: readonly ReplicationOutcome[] = [
  'ok',
  'http_4xx',
  'http_5xx',
  'shed_503',
  'timeout',
  'connect_error',
  'tls_error',
  'protocol_error',
];

/** The registry names a replication lands under; one place, so every reader agrees. */
export const NAMES = {
  replications: 'replications', // labelled by outcome
  late: 'replications_late',
  scheduled: 'replications_scheduled',
  logsSent: 'logs_sent',
  logsAcked: 'logs_acked',
  fromScheduled: 'latency_from_scheduled',
  fromSend: 'latency_from_send',
  lateness: 'lateness',
} as const;

/** Checks a sample from the load half; a bad one is a bug there, named precisely. */
export function checkSample(sample: ReplicationSample): void {
  for (const field of ['scheduledAtMs', 'sentAtMs', 'doneAtMs'] as const) {
    if (!Number.isFinite(sample[field])) {
      throw new RangeError(`replication sample: ${field} must be a finite number`);
    }
  }
  if (!OUTCOMES.includes(sample.outcome)) {
    throw new RangeError(`replication sample: unknown outcome ${JSON.stringify(sample.outcome)}`);
  }
  for (const field of ['logsSent', 'logsAcked'] as const) {
    if (!Number.isInteger(sample[field]) || sample[field] < 0) {
      throw new RangeError(`replication sample: ${field} must be an integer >= 0`);
    }
  }
}

/**
 * Records one replication into a registry; returns whether it was late. `latencyOnly`: keep
 * only the from-scheduled histogram (the per-second series needs no more, and every
 * histogram record costs a few hundred ns on the generator's hot path).
 */
export function recordReplicationInto(
  registry: MetricsRegistry,
  sample: ReplicationSample,
  lateThresholdMs: number,
  latencyOnly = false,
): boolean {
  const lateness = sample.sentAtMs - sample.scheduledAtMs;
  const late = lateness > lateThresholdMs;
  registry.countLabelled(NAMES.replications, sample.outcome);
  if (late) registry.count(NAMES.late);
  registry.count(NAMES.logsSent, sample.logsSent);
  registry.count(NAMES.logsAcked, sample.logsAcked);
  recordMs(registry.histogram(NAMES.fromScheduled), sample.doneAtMs - sample.scheduledAtMs);
  if (latencyOnly) return late;
  recordMs(registry.histogram(NAMES.fromSend), sample.doneAtMs - sample.sentAtMs);
  recordMs(registry.histogram(NAMES.lateness), lateness);
  return late;
}

export type OutcomeCounts = Record<ReplicationOutcome, number>;

export function outcomeCounts(registry: MetricsRegistry): OutcomeCounts {
  return Object.fromEntries(
    OUTCOMES.map((o) => [o, registry.labelledCounter(NAMES.replications, o)]),
  ) as OutcomeCounts;
}

/** The three histograms every figure is computed from. */
export interface ReplicationHistograms {
  readonly fromScheduled: Histogram;
  readonly fromSend: Histogram;
  readonly lateness: Histogram;
}

/** Figures of a run or of a slice of one (a second, a capacity-search step). */
export interface ReplicationFigures {
  readonly durationSeconds: number;
  readonly replications: {
    readonly scheduled: number;
    readonly completed: number;
    readonly ok: number;
    readonly failed: number;
    readonly late: number;
  };
  readonly rates: {
    readonly scheduledPerSec: number;
    /** completed (ok + failed) per second. */
    readonly attemptedPerSec: number;
    /** ok per second: the figure `replications_per_sec` gates on. */
    readonly achievedPerSec: number;
  };
  /** failed / completed (0 when nothing completed). */
  readonly errorRatio: number;
  /** late / completed: sent more than the late limit after the timetable said. */
  readonly lateRatio: number;
  readonly latencyFromScheduled: LatencySummary;
  readonly latencyFromSend: LatencySummary;
  readonly lateness: LatencySummary;
}

export interface FigureInputs {
  readonly durationSeconds: number;
  readonly outcomes: OutcomeCounts;
  readonly late: number;
  readonly scheduled: number;
  readonly histograms: ReplicationHistograms;
}

/** Pure arithmetic over tallies; used by the live run, windows and merged results alike. */
export function computeFigures(input: FigureInputs): ReplicationFigures {
  const completed = OUTCOMES.reduce((sum, o) => sum + input.outcomes[o], 0);
  const ok = input.outcomes.ok;
  const failed = completed - ok;
  const perSec = (n: number) => (input.durationSeconds > 0 ? n / input.durationSeconds : 0);
  const ratio = (n: number) => (completed > 0 ? n / completed : 0);
  return {
    durationSeconds: input.durationSeconds,
    replications: { scheduled: input.scheduled, completed, ok, failed, late: input.late },
    rates: {
      scheduledPerSec: perSec(input.scheduled),
      attemptedPerSec: perSec(completed),
      achievedPerSec: perSec(ok),
    },
    errorRatio: ratio(failed),
    lateRatio: ratio(input.late),
    latencyFromScheduled: summariseHistogram(input.histograms.fromScheduled),
    latencyFromSend: summariseHistogram(input.histograms.fromSend),
    lateness: summariseHistogram(input.histograms.lateness),
  };
}

export function histogramsOf(registry: MetricsRegistry): ReplicationHistograms {
  return {
    fromScheduled: registry.histogram(NAMES.fromScheduled),
    fromSend: registry.histogram(NAMES.fromSend),
    lateness: registry.histogram(NAMES.lateness),
  };
}

/** Figures straight from a registry that recorded replications. */
export function figuresOfRegistry(
  registry: MetricsRegistry,
  durationSeconds: number,
  scheduled = registry.counter(NAMES.scheduled),
): ReplicationFigures {
  return computeFigures({
    durationSeconds,
    outcomes: outcomeCounts(registry),
    late: registry.counter(NAMES.late),
    scheduled,
    histograms: histogramsOf(registry),
  });
}
