import type { VirtualAgent } from '../agent/agent.js';
import type { Clock } from '../clock.js';
import { DRAW, unitDraw } from '../random.js';
import type { Workload } from './workload.js';

export interface EachOnceOptions {
  readonly startMs: number;
  readonly endMs: number;
  /** First attempts spread over this window from startMs. */
  readonly windowMs: number;
  /**
   * `even`: one after another at a steady pace (a warm-up at a bounded rate); `random`: each
   * at a random point (a reconnect storm: agents coming back after an outage).
   */
  readonly spread: 'even' | 'random';
  readonly agentCount: number;
  readonly seed: number;
  readonly clock: Clock;
  /** Whether the agent takes part at all (drain: only agents with logs pending). @default all */
  readonly takesPart?: (agent: VirtualAgent) => boolean;
  /** After a successful replication: does the agent need another? (drain: logs still pending) */
  readonly again?: (agent: VirtualAgent) => boolean;
  /** An attempt that got no answer is retried after this, plus up to as much again. @default 1000 */
  readonly retryBackoffMs?: number;
  /**
   * An agent gives up after this many failed attempts (not counting sheds, which the server
   * asked for): one that cannot get through must not keep the phase going. @default 5
   */
  readonly maxFailures?: number;
}

/**
 * Every agent replicates until it succeeds once (warm-up, reconnect storm, drain): its first
 * attempt falls in the window, a shed one (503 + Retry-After) keeps its slot and waits as the
 * server asked, so its latency counts from when it first wanted in; one with no answer waits
 * a backoff; none retries in a tight loop.
 */
export class EachOnceWorkload implements Workload {
  readonly name = 'each-once';
  readonly startMs: number;
  readonly endMs: number;
  private readonly failures = new Map<number, number>();

  constructor(private readonly options: EachOnceOptions) {
    this.startMs = options.startMs;
    this.endMs = options.endMs;
  }

  firstSlot(agent: VirtualAgent, position: number): number {
    if (this.options.takesPart && !this.options.takesPart(agent)) return Number.POSITIVE_INFINITY;
    const { windowMs, agentCount } = this.options;
    const share =
      this.options.spread === 'even'
        ? position / Math.max(1, agentCount)
        : unitDraw(this.options.seed, agent.index, DRAW.stormSlot);
    return this.startMs + share * windowMs;
  }

  nextSlot(agent: VirtualAgent, previousSlotMs: number): number {
    if (agent.lastOutcome === 'ok') {
      return this.options.again?.(agent) ? this.options.clock.now() : Number.POSITIVE_INFINITY;
    }
    // The server's Retry-After (agent.notBeforeMs) decides when; the slot stays.
    if (agent.lastOutcome === 'shed_503') return previousSlotMs;
    const failed = (this.failures.get(agent.index) ?? 0) + 1;
    this.failures.set(agent.index, failed);
    if (failed >= (this.options.maxFailures ?? 5)) return Number.POSITIVE_INFINITY;
    const backoff = this.options.retryBackoffMs ?? 1_000;
    const spread =
      1 + unitDraw(this.options.seed, agent.index, agent.replications, DRAW.retryBackoff);
    return this.options.clock.now() + backoff * spread;
  }

  scheduledRate(nowMs: number): number {
    const { windowMs, agentCount } = this.options;
    const inWindow = nowMs >= this.startMs && nowMs < this.startMs + windowMs;
    return inWindow && windowMs > 0 ? (agentCount * 1_000) / windowMs : 0;
  }
}
