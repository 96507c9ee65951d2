import {
  decodeHistogram,
  mergeEncodedHistograms,
  percentileMs,
} from '../../simulator/metrics/histogram.js';
import type { PlayReply } from './messages.js';

/** One latency over every generator's probe: null percentiles when nothing was measured. */
export interface DeliveryLatency {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

/**
 * Task delivery latency of the fleet run with wake-ups on (what an operator waits for after
 * creating a task), beside its replication figures: from the probe's POST /api/tasks until
 * the target agent had the task, and until the server acknowledged its result.
 */
export interface TaskDeliveryFigures {
  readonly wakeups: 'on';
  readonly sessionsSubscribed: number;
  readonly sessionsFailed: number;
  readonly wakeupsReceived: number;
  readonly tasksCreated: number;
  readonly targets: number;
  readonly createFailures: number;
  readonly createdToReceived: DeliveryLatency;
  readonly createdToResult: DeliveryLatency;
}

/** The generators' probes merged (histograms exactly); nothing when none probed. */
export function mergeTaskDelivery(replies: readonly PlayReply[]): {
  taskDelivery?: TaskDeliveryFigures;
} {
  const probed = replies.flatMap((r) => (r.taskDelivery ? [r.taskDelivery] : []));
  if (probed.length === 0) return {};
  const sum = (pick: (d: (typeof probed)[number]) => number) =>
    probed.reduce((t, d) => t + pick(d), 0);
  const latency = (field: 'createdToReceived' | 'createdToResult'): DeliveryLatency => {
    const merged = decodeHistogram(
      mergeEncodedHistograms(
        probed.map((d) => d[field]),
        field,
      ),
      field,
    );
    const count = merged.totalCount;
    const at = (p: number) => (count > 0 ? percentileMs(merged, p) : null);
    return { count, p50Ms: at(50), p99Ms: at(99), maxMs: at(100) };
  };
  return {
    taskDelivery: {
      wakeups: 'on',
      sessionsSubscribed: sum((d) => d.sessionsSubscribed),
      sessionsFailed: sum((d) => d.sessionsFailed),
      wakeupsReceived: sum((d) => d.wakeupsReceived),
      tasksCreated: sum((d) => d.tasksCreated),
      targets: sum((d) => d.targets),
      createFailures: sum((d) => d.createFailures),
      createdToReceived: latency('createdToReceived'),
      createdToResult: latency('createdToResult'),
    },
  };
}

const latencyText = (l: DeliveryLatency) =>
  l.count === 0
    ? 'none measured'
    : `p50 ${Math.round(l.p50Ms ?? 0)} ms, p99 ${Math.round(l.p99Ms ?? 0)} ms (${l.count.toLocaleString('en-US')})`;

/** One line for the log and the verdict: what an operator waits for after creating a task. */
export function taskDeliveryLine(d: TaskDeliveryFigures): string {
  return `task delivery with wake-ups (${d.tasksCreated} probe tasks, ${d.targets} targets, ${d.sessionsSubscribed} push sessions${d.sessionsFailed > 0 ? `, ${d.sessionsFailed} not subscribed` : ''}): created -> result received ${latencyText(d.createdToResult)}; created -> received ${latencyText(d.createdToReceived)}`;
}
