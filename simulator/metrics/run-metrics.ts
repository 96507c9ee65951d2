import { performance } from 'node:perf_hooks';
import {
  type CounterName,
  ENDPOINTS,
  type GaugeName,
  type ReplicationSample,
  type RequestSample,
  type RunMeta,
  type RunMetrics,
  type SecondSample,
} from './contract.js';
import {
  createProcessProbe,
  DEFAULT_GENERATOR_LIMITS,
  type GeneratorLimits,
  type GeneratorProbe,
  judgeGeneratorHealth,
} from './generator-health.js';
import { encodeHistogram, HISTOGRAM_ENCODING, HISTOGRAM_UNIT, percentileMs } from './histogram.js';
import { MetricsRegistry } from './registry.js';
import {
  checkSample,
  histogramsOf,
  NAMES,
  OUTCOMES,
  outcomeCounts,
  recordReplicationInto,
} from './replication-figures.js';
import {
  bytesOf,
  checkRequestSample,
  endpointSecondsOf,
  endpointTotalsOf,
  REQUEST_NAMES,
  recordRequestInto,
} from './request-figures.js';
import { checkRunMeta } from './run-meta-check.js';
import {
  deriveFigures,
  RUN_RESULT_KIND,
  RUN_RESULT_SCHEMA_VERSION,
  type RunResult,
  type TimelineMark,
} from './run-result.js';
import { OpenWindow } from './window.js';

export interface RunMetricsOptions {
  /** A replication sent more than this many ms after its scheduled time counts as late. */
  readonly lateThresholdMs: number;
  /** Milliseconds, monotonic; the same clock the samples' times come from. */
  readonly clock?: () => number;
  /** Reads event-loop lag and CPU once per tick; the process's own by default. */
  readonly probe?: GeneratorProbe;
  readonly generatorLimits?: Partial<GeneratorLimits>;
  /**
   * Called after every tick with the closed second and run totals so far: feed it to the
   * live progress line (`createProgressLine(...).update`).
   */
  readonly onSecond?: (sample: SecondSample, totals: RunTotals) => void;
}

/** Run-so-far figures for a progress display. */
export interface RunTotals {
  readonly elapsedSeconds: number;
  readonly completed: number;
  readonly failed: number;
  /** Replications that started later than the late threshold after their slot, so far. */
  readonly late?: number;
  /** Latency from schedule over the whole run so far (the run's histogram, not one second). */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  /** Logs the agents hold that the server has not acknowledged yet (they are resent). */
  readonly logsUnacknowledged?: number;
}

/** Counters a result always lists, even at zero, so readers need no defaults. */
const ALWAYS_LISTED: readonly (CounterName | string)[] = [
  'logs_generated',
  'logs_resent',
  'inventory_full_sent',
  'tasks_received',
  'task_results_sent',
  'policies_applied',
  'clone_flags',
  'enrollments',
  'connections_opened',
  NAMES.scheduled,
  NAMES.late,
  NAMES.logsSent,
  NAMES.logsAcked,
];

const MAX_MARK_LABEL = 200;

/**
 * The measuring half of a run. Every sample lands in three places: the run's registry (the
 * result), the current second's registry (the series) and any open windows (capacity steps).
 */
export function createRunMetrics(options: RunMetricsOptions): RunMetrics {
  const { lateThresholdMs } = options;
  if (!Number.isFinite(lateThresholdMs) || lateThresholdMs < 0) {
    throw new RangeError(`lateThresholdMs: must be a number >= 0 (got ${lateThresholdMs})`);
  }
  const clock = options.clock ?? (() => performance.now());
  const limits = { ...DEFAULT_GENERATOR_LIMITS, ...options.generatorLimits };
  const probe = options.probe ?? createProcessProbe();
  const run = new MetricsRegistry();
  const samples: SecondSample[] = [];
  const marks: TimelineMark[] = [];
  const windows = new Set<OpenWindow>();
  let second = new MetricsRegistry();
  let startMs = clock();
  let secondStartMs = startMs;
  let timer: NodeJS.Timeout | undefined;
  let stoppedAtMs: number | undefined;
  let finished = false;

  function tick(): SecondSample {
    const nowMs = clock();
    const reading = probe.read();
    const outcomes = outcomeCounts(second);
    const completed = OUTCOMES.reduce((sum, o) => sum + outcomes[o], 0);
    const latency = second.histogram(NAMES.fromScheduled);
    // Dispatches counted by the scheduler are exact; otherwise the workload's stated rate.
    const bytes = bytesOf(second);
    const scheduled =
      run.counter(NAMES.scheduled) > 0
        ? second.counter(NAMES.scheduled)
        : (run.gauge('scheduled_rate') ?? 0);
    const sample: SecondSample = {
      second: samples.length + 1,
      scheduled,
      completed,
      ok: outcomes.ok,
      failed: completed - outcomes.ok,
      late: second.counter(NAMES.late),
      p50Ms: percentileMs(latency, 50),
      p99Ms: percentileMs(latency, 99),
      maxMs: percentileMs(latency, 100),
      inFlight: run.gauge('in_flight') ?? 0,
      eventLoopLagP99Ms: reading.eventLoopLagP99Ms,
      cpuPercent: reading.cpuPercent,
      sessionsOpen: (run.gauge('sessions_open') ?? 0) + (run.gauge('device_sessions_open') ?? 0),
      agentsActive: run.gauge('agents_active') ?? 0,
      agentsEnrolled: run.counter('enrollments'),
      bytesSent: bytes.sent,
      bytesReceived: bytes.received,
      endpoints: endpointSecondsOf(second),
    };
    samples.push(sample);
    second = new MetricsRegistry();
    secondStartMs = nowMs;
    if (options.onSecond) {
      const all = outcomeCounts(run);
      const total = OUTCOMES.reduce((sum, o) => sum + all[o], 0);
      const runLatency = run.histogram(NAMES.fromScheduled);
      const pending = run.gauge('logs_pending');
      options.onSecond(sample, {
        elapsedSeconds: (nowMs - startMs) / 1_000,
        completed: total,
        failed: total - all.ok,
        late: run.counter(NAMES.late),
        p50Ms: percentileMs(runLatency, 50),
        p99Ms: percentileMs(runLatency, 99),
        ...(pending !== undefined ? { logsUnacknowledged: pending } : {}),
      });
    }
    return sample;
  }

  function stop(): void {
    if (stoppedAtMs !== undefined) return;
    if (timer) clearInterval(timer);
    timer = undefined;
    // Close the last partial second unless it is short and saw nothing.
    const partialMs = clock() - secondStartMs;
    const sawWork =
      OUTCOMES.some((o) => second.labelledCounter(NAMES.replications, o) > 0) ||
      ENDPOINTS.some((e) => second.labelledCounter(REQUEST_NAMES.requests, e) > 0);
    if (sawWork || partialMs >= 500) tick();
    stoppedAtMs = clock();
    probe.stop();
  }

  return {
    recordReplication(sample: ReplicationSample): void {
      checkSample(sample);
      recordReplicationInto(run, sample, lateThresholdMs);
      recordReplicationInto(second, sample, lateThresholdMs, true);
      for (const window of windows) window.record(sample);
    },

    recordRequest(sample: RequestSample): void {
      checkRequestSample(sample);
      recordRequestInto(run, sample);
      recordRequestInto(second, sample);
    },

    count(name: CounterName, by = 1): void {
      run.count(name, by);
      if (name === NAMES.scheduled) {
        second.count(name, by);
        for (const window of windows) window.countScheduled(by);
      }
    },

    setGauge(name: GaugeName, value: number): void {
      run.setGauge(name, value);
    },

    mark(label: string): void {
      const text = String(label);
      marks.push({
        atSecond: (clock() - startMs) / 1_000,
        label: text.length > MAX_MARK_LABEL ? `${text.slice(0, MAX_MARK_LABEL - 1)}…` : text,
      });
    },

    start(): void {
      if (timer || stoppedAtMs !== undefined) return;
      startMs = clock();
      secondStartMs = startMs;
      probe.read(); // starts the probe's first window now
      timer = setInterval(tick, 1_000);
      timer.unref();
    },

    stop,
    tick,

    series: () => [...samples],

    openWindow(label: string) {
      this.mark(label);
      const window = new OpenWindow(label, clock, lateThresholdMs, (w) => windows.delete(w));
      windows.add(window);
      return window;
    },

    finish(meta: RunMeta): RunResult {
      if (finished) throw new Error('finish(): a run is finished once');
      checkRunMeta(meta, 'meta');
      stop();
      finished = true;
      const snapshot = run.snapshot();
      const counters: Record<string, number> = {};
      for (const name of ALWAYS_LISTED) counters[name] = 0;
      Object.assign(counters, snapshot.counters);
      const durationSeconds = ((stoppedAtMs ?? clock()) - startMs) / 1_000;
      const histograms = histogramsOf(run);
      const outcomes = outcomeCounts(run);
      const series = [...samples];
      return {
        schemaVersion: RUN_RESULT_SCHEMA_VERSION,
        kind: RUN_RESULT_KIND,
        meta,
        durationSeconds,
        lateThresholdMs,
        counters,
        outcomes,
        gauges: snapshot.gauges,
        marks: [...marks],
        derived: deriveFigures({
          durationSeconds,
          counters,
          outcomes,
          histograms,
          series,
          ...(meta.verify ? { verify: meta.verify } : {}),
        }),
        histograms: {
          encoding: HISTOGRAM_ENCODING,
          unit: HISTOGRAM_UNIT,
          fromScheduled: encodeHistogram(histograms.fromScheduled),
          fromSend: encodeHistogram(histograms.fromSend),
          lateness: encodeHistogram(histograms.lateness),
        },
        series,
        endpoints: endpointTotalsOf(run),
        generator: judgeGeneratorHealth(series, limits),
      };
    },
  };
}
