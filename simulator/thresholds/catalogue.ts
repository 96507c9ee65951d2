import { percentileMs } from '../metrics/histogram.js';
import type { ReplicationFigures, ReplicationHistograms } from '../metrics/replication-figures.js';
import type { LogFigures } from '../metrics/run-result.js';

/**
 * The figures a threshold (or a capacity-search SLO) may name. Each reads from a subject: a
 * whole run's result or one window of it (a capacity-search step), in base units: latency in
 * ms, ratios as 0..1, rates per second, counts as counts.
 */
export type MetricKind = 'rate' | 'latency' | 'ratio' | 'count';

/** What thresholds are evaluated against. */
export interface ThresholdSubject {
  readonly figures: ReplicationFigures;
  /** For any percentile, not only the ones the summary lists. */
  readonly histograms: ReplicationHistograms;
  /** Absent for windows: log figures exist for whole runs only. */
  readonly logs?: LogFigures;
  readonly generatorBottleneck?: boolean;
  /** How much schedule a fleet run covered (for the not-enough-data rule); absent for windows. */
  readonly coverage?: {
    readonly intervalSeconds: number | null;
    /** Wall seconds times the time scale. */
    readonly scheduleSeconds: number;
  };
}

export interface MetricDefinition {
  readonly name: string;
  readonly kind: MetricKind;
  readonly description: string;
  /** null: not measured in this run (the note says how to measure it). */
  read(subject: ThresholdSubject): number | null;
  readonly unmeasuredNote?: string;
}

const fixed: readonly MetricDefinition[] = [
  rate('replications_per_sec', 'successful replications per second', (f) => f.rates.achievedPerSec),
  rate(
    'attempted_per_sec',
    'completed (ok + failed) replications per second',
    (f) => f.rates.attemptedPerSec,
  ),
  rate(
    'scheduled_per_sec',
    'replications per second the timetable asked for',
    (f) => f.rates.scheduledPerSec,
  ),
  count('replications', 'completed replications', (f) => f.replications.completed),
  count('failed', 'failed replications (any reason)', (f) => f.replications.failed),
  count('late', 'replications sent later than the late limit', (f) => f.replications.late),
  ratio('errors', 'failed / completed', (f) => f.errorRatio),
  ratio('error_rate', 'failed / completed (same as errors)', (f) => f.errorRatio),
  ratio('late_ratio', 'late / completed', (f) => f.lateRatio),
  latency('avg', 'mean latency from the scheduled time', (f) => f.latencyFromScheduled.meanMs),
  latency('max', 'max latency from the scheduled time', (f) => f.latencyFromScheduled.maxMs),
  latency('avg_from_send', 'mean latency from the send time', (f) => f.latencyFromSend.meanMs),
  latency('max_from_send', 'max latency from the send time', (f) => f.latencyFromSend.maxMs),
  latency('lateness_max', 'largest delay between scheduled and sent', (f) => f.lateness.maxMs),
  logCount(
    'lost_logs',
    'logs acknowledged by the server but missing from it',
    (l) => l.lost,
    'lost logs are only known when the run verifies against the console API (--verify)',
  ),
  logCount('pending_logs', 'logs still unacknowledged at the end', (l) => l.pending),
  logCount('logs_acknowledged', 'logs the server acknowledged', (l) => l.acknowledged),
  logCount('logs_generated', 'logs the agents produced', (l) => l.generated),
  {
    name: 'generator_bottleneck',
    kind: 'count',
    description: '1 when the load generator itself was saturated, else 0',
    read: (s) => (s.generatorBottleneck === undefined ? null : Number(s.generatorBottleneck)),
    unmeasuredNote: 'generator health is judged for whole runs only',
  },
];

const FIXED_BY_NAME = new Map(fixed.map((m) => [m.name, m]));

/** `p99`, `p99.9`, `p(95)`, `p95_from_send`, `lateness_p99`. */
const PERCENTILE = /^(lateness_)?p(?:\((\d+(?:\.\d+)?)\)|(\d+(?:\.\d+)?))(_from_send)?$/;

/** Names for help and "unknown metric" messages. */
export const KNOWN_METRICS_TEXT = [
  ...fixed.map((m) => m.name),
  'pN (latency percentile from the scheduled time: p50, p95, p99, p99.9, p(99))',
  'pN_from_send',
  'lateness_pN',
].join(', ');

export function metricCatalogue(): readonly MetricDefinition[] {
  return fixed;
}

/**
 * Finds a metric by name. Percentile names resolve to any percentile; a percentile out of
 * range throws (the message explains p999 vs p99.9). Unknown names return undefined.
 */
export function resolveMetric(name: string): MetricDefinition | undefined {
  const known = FIXED_BY_NAME.get(name);
  if (known) return known;
  const match = PERCENTILE.exec(name);
  if (!match) return undefined;
  const percentile = Number(match[2] ?? match[3]);
  if (!(percentile > 0 && percentile <= 100)) {
    throw new RangeError(
      `percentile ${percentile} is out of range: use 0 < N <= 100 (p99.9, not p999)`,
    );
  }
  const lateness = match[1] !== undefined;
  const fromSend = match[4] !== undefined;
  if (lateness && fromSend) return undefined;
  const which = lateness ? 'lateness' : fromSend ? 'fromSend' : 'fromScheduled';
  const canonical = `${lateness ? 'lateness_' : ''}p${percentile}${fromSend ? '_from_send' : ''}`;
  const what = lateness
    ? 'delay between scheduled and sent'
    : `latency from the ${fromSend ? 'send' : 'scheduled'} time`;
  return {
    name: canonical,
    kind: 'latency',
    description: `${percentile}th percentile of the ${what}`,
    read: (s) => percentileMs(s.histograms[which], percentile),
  };
}

function rate(
  name: string,
  description: string,
  read: (f: ReplicationFigures) => number,
): MetricDefinition {
  return { name, kind: 'rate', description, read: (s) => read(s.figures) };
}

function count(
  name: string,
  description: string,
  read: (f: ReplicationFigures) => number,
): MetricDefinition {
  return { name, kind: 'count', description, read: (s) => read(s.figures) };
}

function ratio(
  name: string,
  description: string,
  read: (f: ReplicationFigures) => number,
): MetricDefinition {
  return { name, kind: 'ratio', description, read: (s) => read(s.figures) };
}

function latency(
  name: string,
  description: string,
  read: (f: ReplicationFigures) => number,
): MetricDefinition {
  return { name, kind: 'latency', description, read: (s) => read(s.figures) };
}

function logCount(
  name: string,
  description: string,
  read: (l: LogFigures) => number | null,
  unmeasuredNote = 'log figures are measured for whole runs only',
): MetricDefinition {
  return {
    name,
    kind: 'count',
    description,
    read: (s) => (s.logs ? read(s.logs) : null),
    unmeasuredNote,
  };
}
