import * as hdr from 'hdr-histogram-js';
import client from 'prom-client';

/**
 * The connector's counters for its /api/stats and Prometheus /metrics. The command-to-device
 * delay (from the admin's request on the server to the check-in that hands the command over)
 * is what the guide says grows with the device count, so it is kept as a full HDR histogram.
 */
export class ConnectorTelemetry {
  readonly registry = new client.Registry();
  private readonly checkIns = new client.Counter({
    name: 'smc_mdm_check_ins_total',
    help: 'Device check-ins, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly enrollments = new client.Counter({
    name: 'smc_mdm_enrollments_total',
    help: 'Device enrollments, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly checkInSeconds = new client.Histogram({
    name: 'smc_mdm_check_in_seconds',
    help: 'Time from check-in request to answer',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly commandDelaySeconds = new client.Histogram({
    name: 'smc_mdm_command_delay_seconds',
    help: 'Time from the command request to its delivery to the device',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400],
    registers: [this.registry],
  });
  private readonly commandWaitSeconds = new client.Histogram({
    name: 'smc_mdm_command_wait_seconds',
    help: 'Time a command waited on the connector for its device to check in',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400],
    registers: [this.registry],
  });
  private readonly batches = new client.Histogram({
    name: 'smc_mdm_check_in_batch_size',
    help: 'Check-ins stored per transaction (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  private readonly relays = new client.Counter({
    name: 'smc_mdm_relay_replications_total',
    help: 'Replications of the connector to the management server, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** End to end: from the admin's request on the server to the device (relay included). */
  private readonly delays = delayHistogram();
  /** The connector's part: from queued here to the device's check-in that takes it. */
  private readonly waits = delayHistogram();
  readonly totals = {
    checkIns: 0,
    refused: 0,
    shed: 0,
    enrollments: 0,
    enrollmentsRefused: 0,
    commandsDelivered: 0,
    relayOk: 0,
    relayFailed: 0,
  };
  relayLastOkAt: string | null = null;
  relayLastError: string | null = null;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'smc_mdm_' });
  }

  /** Exposes the interval devices are told and the count it is sized for, read at scrape time. */
  observeSchedule(read: () => { effectiveSeconds: number; devices: number }): void {
    new client.Gauge({
      name: 'smc_mdm_check_in_interval_seconds',
      help: 'Check-in interval told to devices now (stretched past the check-in budget)',
      registers: [this.registry],
      collect() {
        this.set(read().effectiveSeconds);
      },
    });
    new client.Gauge({
      name: 'smc_mdm_devices',
      help: 'Devices enrolled on this connector',
      registers: [this.registry],
      collect() {
        this.set(read().devices);
      },
    });
  }

  checkedIn(seconds: number): void {
    this.totals.checkIns += 1;
    this.checkIns.inc({ outcome: 'ok' });
    this.checkInSeconds.observe(seconds);
  }

  /** One transaction of check-ins committed. */
  batchCommitted(size: number): void {
    this.batches.observe(size);
  }

  /** Refused for load (503): the device comes back after Retry-After. */
  shedCheckIn(): void {
    this.totals.shed += 1;
    this.checkIns.inc({ outcome: 'shed' });
  }

  refusedCheckIn(): void {
    this.totals.refused += 1;
    this.checkIns.inc({ outcome: 'refused' });
  }

  enrolled(ok: boolean): void {
    if (ok) this.totals.enrollments += 1;
    else this.totals.enrollmentsRefused += 1;
    this.enrollments.inc({ outcome: ok ? 'ok' : 'refused' });
  }

  /** One command handed to its device: `delayMs` since the server's request, `waitMs` queued here. */
  delivered(delayMs: number, waitMs: number): void {
    this.totals.commandsDelivered += 1;
    const delay = clampDelay(delayMs);
    const wait = clampDelay(waitMs);
    this.delays.recordValue(delay);
    this.waits.recordValue(wait);
    this.commandDelaySeconds.observe(delay / 1_000);
    this.commandWaitSeconds.observe(wait / 1_000);
  }

  relayed(ok: boolean, error?: string): void {
    this.relays.inc({ outcome: ok ? 'ok' : 'failed' });
    if (ok) {
      this.totals.relayOk += 1;
      this.relayLastOkAt = new Date().toISOString();
      this.relayLastError = null;
    } else {
      this.totals.relayFailed += 1;
      this.relayLastError = error ?? 'unknown error';
    }
  }

  commandDelay(): DelaySummary {
    return summarize(this.delays);
  }

  commandWait(): DelaySummary {
    return summarize(this.waits);
  }
}

export interface DelaySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

const MAX_DELAY_MS = 7 * 86_400_000;

/** Milliseconds, 1 ms to 7 days, 3 significant digits. */
function delayHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_DELAY_MS,
    numberOfSignificantValueDigits: 3,
  });
}

function clampDelay(ms: number): number {
  return Math.min(Math.max(1, Math.round(ms)), MAX_DELAY_MS);
}

function summarize(h: hdr.Histogram): DelaySummary {
  return {
    count: h.totalCount,
    meanMs: h.totalCount > 0 ? Math.round(h.mean) : 0,
    p50Ms: h.getValueAtPercentile(50),
    p90Ms: h.getValueAtPercentile(90),
    p99Ms: h.getValueAtPercentile(99),
    maxMs: h.maxValue,
  };
}
