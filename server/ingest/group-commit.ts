import type pg from 'pg';
import { commitIsolating, refusalOf } from './batch-isolation.js';
import { flushBatch } from './flush-batch.js';
import type { QueuedReplication, StoredReplication } from './types.js';

export interface GroupCommitOptions {
  /** Flush when this many replications wait. @default 400 */
  readonly maxBatch?: number;
  /** ...or when the oldest has waited this long. @default 4 */
  readonly maxWaitMs?: number;
  /** Batches committing at once (each holds one connection). @default 3 */
  readonly concurrency?: number;
  /** Beyond this many waiting, new replications are refused (503). @default 8 x maxBatch x concurrency */
  readonly maxQueued?: number;
  /** Beyond this many bytes of waiting bodies, likewise. @default 256 MiB */
  readonly maxQueuedBytes?: number;
  /** Seconds before an unfinished delivered task is offered again. @default 600 */
  readonly redeliverAfterSeconds?: number;
  /** Agents that may have pending tasks (the task hints cache). */
  readonly agentsWithTasks: ReadonlySet<string>;
  /** Called after each committed batch: size, duration, logs stored. */
  readonly onFlushed?: (stats: { size: number; ms: number; logsStored: number }) => void;
  /** Throws while the database is known to be away: a batch then fails at once (503). */
  readonly database?: { assertAvailable(): void };
  /** Told about a replication the database refused on its own (its batch-mates were stored). */
  readonly onRefused?: (agentId: string, error: Error) => void;
}

/**
 * Group commit: replications queue here and are stored together, one transaction per batch,
 * then every waiting request is answered. A replication's promise resolves only after its
 * batch committed, which is what lets the agent plane acknowledge logs.
 */
export class GroupCommitter {
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly maxQueuedBytes: number;
  private queue: QueuedReplication[] = [];
  private queuedBytes = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  private idleWaiters: (() => void)[] = [];
  /** Batches committing now, so a database that froze can have their requests answered. */
  private readonly committing = new Set<readonly QueuedReplication[]>();
  /** Identity keys this process committed last, per agent: lets steady replications skip
   *  the computers upsert. Cleared when it grows past a bound (a cache, never the truth). */
  private readonly identityCache = new Map<string, string>();
  /** Milliseconds spent committing, for the load governor's utilisation figure. */
  busyMs = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: GroupCommitOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 400;
    this.maxWaitMs = options.maxWaitMs ?? 4;
    this.concurrency = options.concurrency ?? 3;
    this.maxQueued = options.maxQueued ?? 8 * this.maxBatch * this.concurrency;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 256 * 1024 * 1024;
  }

  get depth(): number {
    return this.queue.length;
  }

  get slots(): number {
    return this.concurrency;
  }

  /** False when the queue is full: the caller sheds the request with 503 + Retry-After. */
  canAccept(bytes: number): boolean {
    return (
      !this.closing &&
      this.queue.length < this.maxQueued &&
      this.queuedBytes + bytes <= this.maxQueuedBytes
    );
  }

  /** Seconds a new arrival would wait for the queue ahead of it to drain, at the last pace. */
  estimatedDrainSeconds(batchMs: number): number {
    const batchesAhead = Math.ceil(this.queue.length / this.maxBatch / this.concurrency);
    return (batchesAhead * Math.max(batchMs, 1)) / 1_000;
  }

  submit(
    item: Omit<QueuedReplication, 'resolve' | 'reject' | 'enqueuedAt'>,
  ): Promise<StoredReplication> {
    if (this.closing) return Promise.reject(new Error('server is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ ...item, enqueuedAt: performance.now(), resolve, reject });
      this.queuedBytes += item.bytes;
      this.schedule();
    });
  }

  /** Stops taking work, commits and answers everything queued, then resolves. */
  async drain(): Promise<void> {
    this.closing = true;
    while (this.queue.length > 0 || this.inFlight > 0) {
      this.schedule(true);
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private schedule(now = false): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      if (this.queue.length >= this.maxBatch || now || this.closing) {
        this.startFlush();
        continue;
      }
      if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.schedule(true);
        }, this.maxWaitMs);
      }
      return;
    }
  }

  private startFlush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // At most one replication per agent per batch: a second (a client retrying after a
    // timeout) waits for the next batch, so set-based upserts never touch a row twice.
    const batch: QueuedReplication[] = [];
    const rest: QueuedReplication[] = [];
    const seen = new Set<string>();
    for (const item of this.queue) {
      if (batch.length < this.maxBatch && !seen.has(item.agentId)) {
        seen.add(item.agentId);
        batch.push(item);
      } else rest.push(item);
    }
    this.queue = rest;
    for (const item of batch) this.queuedBytes -= item.bytes;
    this.inFlight += 1;
    void this.flush(batch).finally(() => {
      this.inFlight -= 1;
      this.schedule(this.closing);
      if (this.queue.length === 0 && this.inFlight === 0) {
        for (const wake of this.idleWaiters.splice(0)) wake();
      } else if (this.closing) {
        for (const wake of this.idleWaiters.splice(0)) wake();
      }
    });
  }

  /**
   * Answers every replication of the batches committing now with `error` (the database froze:
   * they get their 503 now, not when the query timeout ends the wait). Safe: a batch that still
   * commits later was not acknowledged, so its agents resend and the resend is a no-op.
   */
  failCommitting(error: Error): void {
    for (const batch of this.committing) for (const item of batch) item.reject(error);
  }

  private async flush(batch: QueuedReplication[]): Promise<void> {
    this.committing.add(batch);
    try {
      await commitIsolating(batch, {
        commit: (items) => this.commit(items),
        fail: (items, error) => {
          for (const item of items) item.reject(refusalOf(error, 'replication'));
        },
        onIsolated: (item, error) => this.options.onRefused?.(item.agentId, error),
      });
    } finally {
      this.committing.delete(batch);
    }
  }

  /** One transaction for `items`; answers each of them once it committed. */
  private async commit(items: readonly QueuedReplication[]): Promise<void> {
    const started = performance.now();
    this.options.database?.assertAvailable();
    const client = await this.pool.connect();
    let stored: Map<string, StoredReplication>;
    try {
      stored = await flushBatch(client, items, {
        agentsWithTasks: this.options.agentsWithTasks,
        identityCache: this.identityCache,
        redeliverAfterSeconds: this.options.redeliverAfterSeconds ?? 600,
      });
    } catch (error) {
      client.release(true);
      this.busyMs += performance.now() - started;
      throw error;
    }
    client.release();
    if (this.identityCache.size > 1_000_000) this.identityCache.clear();
    const ms = performance.now() - started;
    this.busyMs += ms;
    let logsStored = 0;
    for (const item of items) {
      const result = stored.get(item.agentId);
      if (result) {
        logsStored += result.logsStored;
        item.resolve(result);
      } else item.reject(new Error('replication missing from its batch result'));
    }
    this.options.onFlushed?.({ size: items.length, ms, logsStored });
  }
}
