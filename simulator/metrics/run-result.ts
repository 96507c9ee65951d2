import type { EndpointName, RunMeta, SecondSample, VerifyOutcome } from './contract.js';
import type { GeneratorHealth } from './generator-health.js';
import type { HISTOGRAM_ENCODING, HISTOGRAM_UNIT } from './histogram.js';
import {
  computeFigures,
  NAMES,
  type OutcomeCounts,
  type ReplicationFigures,
  type ReplicationHistograms,
} from './replication-figures.js';
import type { EndpointTotals } from './request-figures.js';

/**
 * The result of a run: plain JSON, versioned, self-contained. Everything a report shows is
 * derived from `counters`, `outcomes`, `histograms` and `series`; `derived` is those figures
 * precomputed for readers (and recomputed, never summed, when results merge).
 */
export const RUN_RESULT_SCHEMA_VERSION = 1 as const;
export const RUN_RESULT_KIND = 'smc-simulator-run' as const;

export interface LogFigures {
  /** Logs the agents produced (counter `logs_generated`). */
  readonly generated: number;
  /** Log entries carried by requests, resends included. */
  readonly sent: number;
  readonly resent: number;
  /** Logs the server acknowledged (sum of ack advances). */
  readonly acknowledged: number;
  /** generated - acknowledged: still in the agents' outboxes at the end. */
  readonly pending: number;
  /** Acknowledged but absent on the server; null unless the run verified (`--verify`). */
  readonly lost: number | null;
}

export interface DerivedFigures extends ReplicationFigures {
  readonly logs: LogFigures;
}

export interface EncodedHistograms {
  readonly encoding: typeof HISTOGRAM_ENCODING;
  /** Values are whole microseconds. */
  readonly unit: typeof HISTOGRAM_UNIT;
  /** Latency from the timetable's scheduled time to the response (no coordinated omission). */
  readonly fromScheduled: string;
  /** Latency from the moment the request left to the response. */
  readonly fromSend: string;
  /** sentAt - scheduledAt: how late the generator sent. */
  readonly lateness: string;
}

export interface TimelineMark {
  /** Seconds since the run started (fractional). */
  readonly atSecond: number;
  readonly label: string;
}

/** A threshold's outcome, as embedded in a result (see simulator/thresholds). */
export interface ThresholdVerdict {
  readonly expression: string;
  readonly metric: string;
  readonly kind: 'rate' | 'latency' | 'ratio' | 'count';
  readonly operator: '<' | '<=' | '>' | '>=' | '==' | '!=';
  /** The limit in the metric's base unit (ms, ratio 0..1, per second, count). */
  readonly limit: number;
  /** Measured value in the metric's base unit (ms, ratio 0..1, per second, count). */
  readonly actual: number | null;
  readonly passed: boolean;
  /** Why a threshold could not be judged (e.g. lost_logs without --verify). */
  readonly note?: string;
}

/** One input of a merged result. */
export interface ResultSource {
  readonly shard?: { readonly index: number; readonly count: number };
  readonly generatorHost?: string;
  readonly target: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly durationSeconds: number;
  readonly completed: number;
  readonly generatorBottleneck: boolean;
}

export interface RunResult {
  readonly schemaVersion: typeof RUN_RESULT_SCHEMA_VERSION;
  readonly kind: typeof RUN_RESULT_KIND;
  readonly meta: RunMeta;
  readonly durationSeconds: number;
  /** A replication sent more than this after its scheduled time counts as late. */
  readonly lateThresholdMs: number;
  /** Every counter: the generators' own plus replications_late, logs_sent, logs_acked, ... */
  readonly counters: Record<string, number>;
  /** Completed replications by outcome (`ok` and each failure reason). */
  readonly outcomes: OutcomeCounts;
  /** Last value of each gauge. */
  readonly gauges: Record<string, number>;
  readonly marks: readonly TimelineMark[];
  readonly derived: DerivedFigures;
  readonly histograms: EncodedHistograms;
  readonly series: readonly SecondSample[];
  /**
   * Requests by endpoint over the whole run (enroll, replicate, check-in, ...). Absent in files
   * written before smc recorded them; readers show "not recorded" rather than zeros.
   */
  readonly endpoints?: Readonly<Partial<Record<EndpointName, EndpointTotals>>>;
  readonly generator: GeneratorHealth;
  /** Set when thresholds were evaluated at the end of the run. */
  readonly thresholds?: readonly ThresholdVerdict[];
  /** Set on merged results: one entry per input. */
  readonly sources?: readonly ResultSource[];
}

export interface DeriveInputs {
  readonly durationSeconds: number;
  readonly counters: Readonly<Record<string, number>>;
  readonly outcomes: OutcomeCounts;
  readonly histograms: ReplicationHistograms;
  readonly series: readonly SecondSample[];
  readonly verify?: VerifyOutcome;
}

export function deriveFigures(input: DeriveInputs): DerivedFigures {
  const counter = (name: string) => input.counters[name] ?? 0;
  // The scheduler may count dispatches; if it only set the scheduled_rate gauge, the series
  // (which sampled it every second) integrates to the same total.
  const scheduled =
    counter(NAMES.scheduled) > 0
      ? counter(NAMES.scheduled)
      : Math.round(input.series.reduce((sum, s) => sum + s.scheduled, 0));
  const figures = computeFigures({
    durationSeconds: input.durationSeconds,
    outcomes: input.outcomes,
    late: counter(NAMES.late),
    scheduled,
    histograms: input.histograms,
  });
  const generated = counter('logs_generated');
  const acknowledged = counter(NAMES.logsAcked);
  return {
    ...figures,
    logs: {
      generated,
      sent: counter(NAMES.logsSent),
      resent: counter('logs_resent'),
      acknowledged,
      pending: Math.max(0, generated - acknowledged),
      lost: input.verify ? input.verify.lost : null,
    },
  };
}
