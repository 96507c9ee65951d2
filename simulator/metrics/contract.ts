/**
 * The contract between the parts of the simulator that generate load (agents, scheduler,
 * workloads, transport) and the parts that measure and report it (metrics, reports, gates).
 * Generators call `RunRecorder`; reports read `RunResult` (plain JSON, mergeable).
 */

import type { RunResult } from './run-result.js';
import type { MetricsWindow } from './window.js';

/** Why a replication failed; `ok` when it did not. Stable strings, used as counter labels. */
export type ReplicationOutcome =
  | 'ok'
  | 'http_4xx'
  | 'http_5xx'
  | 'shed_503' // 503/429 with Retry-After: the server shedding load on purpose
  | 'timeout'
  | 'connect_error'
  | 'tls_error'
  | 'protocol_error'; // unparseable or schema-breaking response

export interface ReplicationSample {
  /** When the agent's timetable said it should start (ms, performance.now()-based clock). */
  readonly scheduledAtMs: number;
  /** When the request actually left. */
  readonly sentAtMs: number;
  /** When the response (or failure) arrived. */
  readonly doneAtMs: number;
  readonly outcome: ReplicationOutcome;
  /** Logs carried by the request (new + resent). */
  readonly logsSent: number;
  /** Logs newly acknowledged by this response (ack advanced by this many). */
  readonly logsAcked: number;
}

/** Counter names the generators bump; the registry accepts any of these. */
export type CounterName =
  | 'logs_generated'
  | 'logs_resent'
  | 'inventory_full_sent'
  | 'tasks_received'
  | 'task_results_sent'
  | 'policies_applied'
  | 'clone_flags'
  | 'enrollments'
  | 'connections_opened'
  /** Reused identities whose server already held later seqs; see agent/outbox.ts resync. */
  | 'seq_resyncs'
  /**
   * Added by the metrics half: one per replication the timetable dispatched (whether or not it
   * completes before the run ends). When never counted, the `scheduled_rate` gauge stands in.
   */
  | 'replications_scheduled';

export interface RunRecorder {
  /**
   * One finished replication, successful or not. The recorder decides lateness
   * (sentAt - scheduledAt over its configured limit) and keeps both latencies:
   * from the scheduled time (no coordinated omission) and from the send time.
   */
  recordReplication(sample: ReplicationSample): void;
  /**
   * One request to any endpoint (enroll, replicate, MDM check-in, sightings), answered or not:
   * the per-endpoint split and the bytes/s series of the report.
   */
  recordRequest(sample: RequestSample): void;
  count(name: CounterName, by?: number): void;
  /**
   * Current value of a gauge, sampled into the per-second series. `scheduled_rate` is the rate
   * (replications/s) the workload is trying to produce right now, for the chart.
   */
  setGauge(name: GaugeName, value: number): void;
  /** A marker on the timeline (capacity-search step started, server restarted, ...). */
  mark(label: string): void;
}

export type GaugeName =
  | 'agents_active'
  | 'in_flight'
  | 'logs_pending'
  | 'scheduled_rate'
  /** Sessions the agents' transport holds open to the target right now. */
  | 'sessions_open'
  /** The same for the MDM devices' transport (one run may play both planes). */
  | 'device_sessions_open';

/**
 * The endpoints the simulator calls, as the report names them. Task results have no endpoint
 * of their own: agents carry them in replicate, devices in check-in.
 */
export type EndpointName = 'enroll' | 'replicate' | 'mdm_enroll' | 'mdm_check_in' | 'sightings';
export const ENDPOINTS: readonly EndpointName[] = [
  'enroll',
  'replicate',
  'mdm_enroll',
  'mdm_check_in',
  'sightings',
];

export interface RequestSample {
  readonly endpoint: EndpointName;
  /** When the request started (connect included when it had to connect), ms, run clock. */
  readonly startedAtMs: number;
  readonly doneAtMs: number;
  /** No answer, or an answer other than 2xx. */
  readonly failed: boolean;
  /** Request and response body bytes (headers and TLS framing not included). */
  readonly bytesSent: number;
  readonly bytesReceived: number;
}

/** One endpoint's figures in one second. */
export interface EndpointSecond {
  readonly requests: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * One row of the per-second time series. The fields marked optional came with result files
 * of later smc versions; a reader treats them as absent (not zero) in older files.
 */
export interface SecondSample {
  readonly second: number;
  readonly scheduled: number;
  readonly completed: number;
  readonly ok: number;
  readonly failed: number;
  readonly late: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The slowest replication of the second, from scheduled time (the band's top). */
  readonly maxMs?: number;
  readonly inFlight: number;
  readonly eventLoopLagP99Ms: number;
  readonly cpuPercent: number;
  /** Sessions connected to the target at the end of the second (agents' and devices'). */
  readonly sessionsOpen?: number;
  /** Agents the workload plays at the end of the second (gauge `agents_active`). */
  readonly agentsActive?: number;
  /** Agents enrolled so far in the run (counter `enrollments`). */
  readonly agentsEnrolled?: number;
  /** Body bytes sent and received in the second, all endpoints. */
  readonly bytesSent?: number;
  readonly bytesReceived?: number;
  /** Requests by endpoint in the second; endpoints without requests are left out. */
  readonly endpoints?: Readonly<Partial<Record<EndpointName, EndpointSecond>>>;
}

/**
 * The run modes: `smc simulate`'s four, and the rehearsal's phases around its fleet run
 * (warm-up, reconnect storm, drain). Results of different modes never merge.
 */
export type RunMode = 'fleet' | 'rate' | 'ramp' | 'capacity' | 'warm-up' | 'storm' | 'drain';

/** A JSON value, for the free-form `options` a run records. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** One step of a capacity search: the rate tried and what the server did with it. */
export interface CapacityStep {
  /** Rate the workload aimed for (replications/s). */
  readonly rate: number;
  /** Successful replications per second actually achieved during the step. */
  readonly achievedPerSec: number;
  /** Latency p99 from the scheduled time during the step. */
  readonly p99Ms: number;
  /** failed / completed during the step. */
  readonly errorRatio: number;
  /** Every SLO held during the step. */
  readonly passed: boolean;
}

export interface CapacitySearch {
  /** The SLO expressions the search held the server to, as typed (`p99<250ms`). */
  readonly slos: readonly string[];
  readonly steps: readonly CapacityStep[];
  /** Highest rate whose step (and confirmation) passed; null when even the first failed. */
  readonly highestPassingRate: number | null;
}

/** End-of-run check against the server's console API (`--verify`). */
export interface VerifyOutcome {
  /** Logs the server acknowledged to our agents during the run. */
  readonly logsAcknowledged: number;
  /**
   * Acknowledged logs that the server does not have as sent: must be zero. Missing logs, plus
   * one per run of seqs whose stored content digest differs from what was sent.
   */
  readonly lost: number;
  readonly checkedAgents: number;
  /** Runs of seqs stored in full but with other content than sent (counted in `lost`). */
  readonly contentMismatches?: number;
}

/** What the load half knows about the run; the metrics half adds the figures. */
export interface RunMeta {
  readonly mode: RunMode;
  /** Target URL as given (`https://host:2222`). */
  readonly target: string;
  readonly agents: number;
  /** Replication interval of the fleet, seconds; null in rate/ramp/capacity modes. */
  readonly intervalSeconds: number | null;
  readonly timeScale: number;
  readonly seed: number | string;
  /** This process's slice of the fleet (`--shard i/n`); index is 1-based as typed. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** ISO 8601 UTC. */
  readonly startedAt: string;
  readonly endedAt: string;
  /** The options the run used (flags after defaults), for the record. */
  readonly options: { readonly [key: string]: JsonValue };
  /** Host name of the generator machine, to tell shards apart. */
  readonly generatorHost?: string;
  readonly capacity?: CapacitySearch;
  readonly verify?: VerifyOutcome;
}

/**
 * What the load half drives: `createRunMetrics()` in `simulator/metrics/run-metrics.ts`
 * returns one. Call `start()` when load begins (it starts the once-a-second sampler), record
 * while running, `stop()` when load ends, then `finish(meta)` once for the result.
 */
export interface RunMetrics extends RunRecorder {
  /** Starts the per-second sampler (a timer) and generator-health probes. Idempotent. */
  start(): void;
  /** Stops the sampler; closes the last partial second. Idempotent. */
  stop(): void;
  /** Closes the current one-second window into a SecondSample. For runners that drive time. */
  tick(): SecondSample;
  /** Samples so far (a copy), e.g. for the live progress line. */
  series(): readonly SecondSample[];
  /**
   * Starts measuring a slice of the run (a capacity-search step) with its own histograms, and
   * marks the timeline with `label`. `close()` on the window gives its figures; thresholds and
   * SLOs evaluate against those exactly as against a whole run.
   */
  openWindow(label: string): MetricsWindow;
  /** Builds the serialisable result. Call after stop(). */
  finish(meta: RunMeta): RunResult;
}

export type { RunResult };
