import * as hdr from 'hdr-histogram-js';
import type { BenchAgent } from './server-agent.js';
import { postHttp2 } from './server-http.js';

export type BenchEndpoint = 'replicate' | 'noop';

export const ENDPOINT_PATHS: Record<BenchEndpoint, string> = {
  replicate: '/v1/replicate',
  noop: '/v1/noop',
};

export interface StepPlan {
  readonly endpoint: BenchEndpoint;
  /** Replications in flight at all times (closed model), each on a different agent. */
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** New logs per replication (on top of resends of unacknowledged ones). */
  readonly newLogs: number;
  readonly timeoutMs: number;
}

export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export interface StepResult {
  readonly endpoint: BenchEndpoint;
  readonly concurrency: number;
  readonly seconds: number;
  /** 200 answers completed inside the measured window. */
  readonly ok: number;
  readonly perSecond: number;
  /** Of 200 answers, milliseconds from sending the request to the end of the answer. */
  readonly latencyMs: LatencySummary;
  /** New logs acknowledged per second (replicate only; the no-op stores nothing). */
  readonly logsAckedPerSecond: number;
  readonly logsSentPerSecond: number;
  /** Non-200 outcomes by HTTP status or transport failure. */
  readonly errors: Record<string, number>;
  readonly errorCount: number;
  readonly resentLogs: number;
  /** Acks beyond what the agent ever sent: a server bug if ever non-zero. */
  readonly impossibleAcks: number;
}

export interface StepHooks {
  /** Warm-up is over: the measured window starts now. */
  readonly onWindowStart?: () => void;
  /** The measured window ended (in-flight requests still finishing). */
  readonly onWindowEnd?: () => void;
}

/**
 * One closed-model step: `concurrency` workers each take the agent idle longest, send one
 * replication on its persistent HTTP/2 session, and put it back when answered, so every
 * agent has at most one replication in flight (its seqs stay ordered). Only answers that
 * complete inside the window after warm-up count. Bounded by time: workers stop taking
 * agents at the end, and each request by `timeoutMs`.
 */
export async function runStep(
  agents: readonly BenchAgent[],
  plan: StepPlan,
  hooks: StepHooks = {},
): Promise<StepResult> {
  const path = ENDPOINT_PATHS[plan.endpoint];
  const histogram = hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 });
  const idle = [...agents];
  const errors: Record<string, number> = {};
  let ok = 0;
  let errorCount = 0;
  let logsAcked = 0;
  let logsSent = 0;
  let impossibleAcks = 0;
  let measuring = false;
  const resentBefore = sum(agents, (a) => a.resentLogs);
  let resentAtStart = resentBefore;
  let windowStart = 0;

  const started = performance.now();
  const windowEndAt = started + plan.warmupMs + plan.durationMs;
  const startTimer = setTimeout(() => {
    measuring = true;
    windowStart = performance.now();
    resentAtStart = sum(agents, (a) => a.resentLogs);
    hooks.onWindowStart?.();
  }, plan.warmupMs);
  let windowEnd = 0;
  let resentAtEnd = 0;
  const endTimer = setTimeout(() => {
    measuring = false;
    windowEnd = performance.now();
    resentAtEnd = sum(agents, (a) => a.resentLogs);
    hooks.onWindowEnd?.();
  }, plan.warmupMs + plan.durationMs);

  const worker = async () => {
    while (performance.now() < windowEndAt) {
      const agent = idle.shift();
      if (!agent) return;
      const body =
        plan.endpoint === 'replicate'
          ? agent.replicationBody(plan.newLogs)
          : agent.noopBody(plan.newLogs);
      const sentAt = performance.now();
      const res = await postHttp2(agent.connection(), path, body, plan.timeoutMs);
      const doneAt = performance.now();
      let newlyAcked = 0;
      let impossible = false;
      if (res.status === 200 && plan.endpoint === 'replicate') {
        const acked = agent.acknowledge(parseAck(res.text));
        if (acked === null) impossible = true;
        else newlyAcked = acked;
      }
      if (measuring) {
        if (res.status === 200) {
          ok += 1;
          histogram.recordValue(Math.max(1, Math.round((doneAt - sentAt) * 1_000)));
          logsAcked += newlyAcked;
          logsSent += plan.newLogs;
        } else {
          const key = res.status ? String(res.status) : (res.failure ?? 'unknown');
          errors[key] = (errors[key] ?? 0) + 1;
          errorCount += 1;
        }
        if (impossible) impossibleAcks += 1;
      }
      idle.push(agent);
    }
  };
  const workers = Math.min(plan.concurrency, agents.length);
  await Promise.all(Array.from({ length: workers }, worker));
  clearTimeout(startTimer);
  clearTimeout(endTimer);

  const seconds = Math.max(1e-3, (windowEnd - windowStart) / 1_000);
  const result: StepResult = {
    endpoint: plan.endpoint,
    concurrency: workers,
    seconds: round(seconds, 3),
    ok,
    perSecond: round(ok / seconds, 1),
    latencyMs: summarise(histogram),
    logsAckedPerSecond: plan.endpoint === 'replicate' ? round(logsAcked / seconds, 1) : 0,
    logsSentPerSecond: round(logsSent / seconds, 1),
    errors,
    errorCount,
    resentLogs: resentAtEnd - resentAtStart,
    impossibleAcks,
  };
  histogram.destroy();
  return result;
}

function parseAck(text: string): number {
  try {
    const body = JSON.parse(text) as { ack?: { logsThrough?: unknown } };
    return typeof body.ack?.logsThrough === 'number' ? body.ack.logsThrough : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function summarise(histogram: hdr.Histogram): LatencySummary {
  const ms = (us: number) => round(us / 1_000, 2);
  if (histogram.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
    mean: ms(histogram.mean),
  };
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += of(item);
  return total;
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
