/**
 * The arithmetic of bench:workers and bench:session-memory, apart from any process, so it is
 * tested on its own.
 */

/** What the step search needs of a measured step. */
export interface HeldStep {
  readonly concurrency: number;
  readonly ok: number;
  readonly perSecond: number;
  readonly errorCount: number;
  readonly p99Ms: number;
}

/** A step counts as held when it answered, without errors, at p99 within the limit. */
export function held(step: HeldStep, p99LimitMs: number): boolean {
  return step.ok > 0 && step.errorCount === 0 && step.p99Ms <= p99LimitMs;
}

/**
 * The sustained rate: the fastest held step. Steps run by rising concurrency, and the search
 * stops at the first one that is not held (see `searchGoesOn`), so this is the best of the
 * steps before the knee; null when even the first step missed the limit.
 */
export function sustainedStep<T extends HeldStep>(
  steps: readonly T[],
  p99LimitMs: number,
): T | null {
  let best: T | null = null;
  for (const step of steps) {
    if (!held(step, p99LimitMs)) continue;
    if (!best || step.perSecond > best.perSecond) best = step;
  }
  return best;
}

/**
 * Whether to try the next, higher concurrency: not once a step missed the limit, since more
 * in flight on a saturated server only lengthens the queue (and the run).
 */
export function searchGoesOn(steps: readonly HeldStep[], p99LimitMs: number): boolean {
  const last = steps.at(-1);
  return !last || held(last, p99LimitMs);
}

/** CPU microseconds per replication from clock ticks (USER_HZ) spent over `replications`. */
export function microsPerReplication(
  ticks: number,
  ticksPerSecond: number,
  replications: number,
): number {
  if (replications <= 0) return 0;
  return Math.round(((ticks / ticksPerSecond) * 1e6) / replications);
}

/** rate(N) / rate(1), and rate(N) / N / rate(1): how far each added worker pays its way. */
export function scaling(
  rates: readonly { readonly workers: number; readonly perSecond: number | null }[],
): {
  readonly workers: number;
  readonly ratio: number | null;
  readonly perWorker: number | null;
}[] {
  const one = rates.find((r) => r.workers === 1)?.perSecond ?? null;
  return rates.map((r) => ({
    workers: r.workers,
    ratio: one && r.perSecond !== null ? round(r.perSecond / one, 3) : null,
    perWorker: r.perSecond !== null ? round(r.perSecond / r.workers, 1) : null,
  }));
}

/** (RSS with S sessions held - RSS idle) / S, in KiB per session. */
export function kibPerSession(idleKiB: number, heldKiB: number, sessions: number): number {
  if (!Number.isInteger(sessions) || sessions <= 0)
    throw new Error(`sessions must be a positive whole number, got ${sessions}`);
  return round((heldKiB - idleKiB) / sessions, 2);
}

/** `total` split into client processes of at most `perProcess` each, as evenly as it goes. */
export function splitSessions(total: number, perProcess: number): number[] {
  if (total <= 0 || perProcess <= 0) return [];
  const processes = Math.ceil(total / perProcess);
  const base = Math.floor(total / processes);
  return Array.from({ length: processes }, (_, i) => base + (i < total % processes ? 1 : 0));
}

/**
 * The agent listener's connection gauges from the server's /metrics: open now, and closed by
 * reason (an idle close while "holding" would mean the figure counts fewer sessions than asked).
 */
export function agentConnections(metrics: string): {
  readonly open: number | null;
  readonly closed: Record<string, number>;
} {
  const open = /^smc_connections_open\{listener="agent"\} (\d+)$/m.exec(metrics);
  const closed: Record<string, number> = {};
  for (const match of metrics.matchAll(
    /^smc_connections_closed\{listener="agent",reason="([^"]+)"\} (\d+)$/gm,
  )) {
    closed[match[1] ?? '?'] = Number(match[2]);
  }
  return { open: open ? Number(open[1]) : null, closed };
}

/** A comma-separated list of whole numbers within [min, max]; errors name the flag. */
export function integerList(flag: string, text: string, min: number, max: number): number[] {
  const values = text.split(',').map((part) => integer(flag, part.trim(), min, max));
  if (values.length === 0) throw new Error(`${flag} needs at least one value`);
  return values;
}

export function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new Error(`${flag} must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
