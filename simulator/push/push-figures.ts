import type { JsonValue } from '../metrics/contract.js';
import {
  createHistogram,
  encodeHistogram,
  HISTOGRAM_ENCODING,
  type Histogram,
  recordMs,
} from '../metrics/histogram.js';
import type { TaskProbe } from './task-probe.js';
import type { WakeupSessions } from './wakeup-sessions.js';

/** Wake-up latency: from the server's publish to the answer of the replication it caused. */
export class WakeupLatency {
  readonly histogram: Histogram = createHistogram();
  replications = 0;

  record(publishedAtEpochMs: number): void {
    this.replications++;
    if (Number.isFinite(publishedAtEpochMs))
      recordMs(this.histogram, Date.now() - publishedAtEpochMs);
  }
}

const ms = (histogram: Histogram, percentile: number): number | null =>
  histogram.totalCount > 0 ? Math.round(histogram.getValueAtPercentile(percentile)) / 1_000 : null;

/**
 * A histogram's figures in ms (null: nothing measured), and the histogram itself (us, as
 * RunResult carries its own) so shards' figures merge exactly.
 */
export function latencyFigures(histogram: Histogram): { [key: string]: JsonValue } {
  return {
    samples: histogram.totalCount,
    p50Ms: ms(histogram, 50),
    p99Ms: ms(histogram, 99),
    maxMs: histogram.totalCount > 0 ? Math.round(histogram.maxValue) / 1_000 : null,
    histogram: { encoding: HISTOGRAM_ENCODING, data: encodeHistogram(histogram) },
  };
}

/** What a run with push sessions and/or a task probe reports (JSON, in the run's meta). */
export function pushFigures(parts: {
  readonly wakeups: 'on' | 'off';
  readonly sessions?: WakeupSessions;
  readonly opened?: { readonly subscribed: number; readonly failed: number };
  readonly latency?: WakeupLatency;
  readonly probe?: TaskProbe;
  /** Sessions subscribed when the run ended (before they were closed). */
  readonly heldAtEnd: number;
  readonly wallSeconds: number;
}): { [key: string]: JsonValue } {
  const { sessions, latency, probe } = parts;
  return {
    wakeups: parts.wakeups,
    ...(sessions
      ? {
          sessions: {
            subscribedAtStart: parts.opened?.subscribed ?? 0,
            failedAtStart: parts.opened?.failed ?? 0,
            heldAtEnd: parts.heldAtEnd,
            refused: sessions.refused,
          },
          wakeupsReceived: sessions.received,
          wakeupsPerSecond:
            parts.wallSeconds > 0
              ? Math.round((sessions.received / parts.wallSeconds) * 100) / 100
              : 0,
        }
      : {}),
    ...(latency
      ? {
          wakeupReplications: latency.replications,
          wakeupToReplication: latencyFigures(latency.histogram),
        }
      : {}),
    ...(probe
      ? {
          taskProbe: {
            tasksCreated: probe.tasksCreated,
            targets: probe.targetsAsked,
            createFailures: probe.createFailures,
            createdToReceived: latencyFigures(probe.toReceived),
            createdToResult: latencyFigures(probe.toResult),
          },
        }
      : {}),
  };
}

/** The lines `smc simulate` prints after its summary. */
export function pushOutcomeLines(figures: { [key: string]: JsonValue }): string {
  const f = figures as {
    wakeups: string;
    sessions?: { subscribedAtStart: number; failedAtStart: number; heldAtEnd: number };
    wakeupsReceived?: number;
    wakeupsPerSecond?: number;
    wakeupToReplication?: { samples: number; p50Ms: number | null; p99Ms: number | null };
    taskProbe?: {
      tasksCreated: number;
      targets: number;
      createdToReceived: { samples: number; p50Ms: number | null; p99Ms: number | null };
      createdToResult: { samples: number; p50Ms: number | null; p99Ms: number | null };
    };
  };
  const lat = (l: { samples: number; p50Ms: number | null; p99Ms: number | null }) =>
    l.samples === 0 ? 'none measured' : `p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms (${l.samples})`;
  const lines = [`Wake-ups      ${f.wakeups}`];
  if (f.sessions)
    lines.push(
      `Push sessions ${f.sessions.subscribedAtStart} subscribed at start (${f.sessions.failedAtStart} not), ${f.sessions.heldAtEnd} at end; ${f.wakeupsReceived} wake-ups (${f.wakeupsPerSecond}/s)`,
    );
  if (f.wakeupToReplication) lines.push(`Wake-up -> replication  ${lat(f.wakeupToReplication)}`);
  if (f.taskProbe) {
    lines.push(
      `Task delivery ${f.taskProbe.tasksCreated} probe tasks for ${f.taskProbe.targets} targets`,
      `  created -> received  ${lat(f.taskProbe.createdToReceived)}`,
      `  created -> result    ${lat(f.taskProbe.createdToResult)}`,
    );
  }
  return lines.join('\n');
}
