import type pg from 'pg';
import { commitIsolating, refusalOf } from '../ingest/batch-isolation.js';
import { type CheckInItem, type CheckInOutcome, storeCheckIns } from './check-in-store.js';

export interface CheckInBatcherOptions {
  /** Most check-ins stored by one transaction. @default 128 */
  readonly maxBatch?: number;
  /** Transactions committing at once (each holds a pool connection). @default 3 */
  readonly concurrency?: number;
  /** Beyond this many waiting, new check-ins are refused (the device comes back later). @default 4096 */
  readonly maxQueued?: number;
  /** @default 86400 */
  readonly summaryRefreshSeconds?: number;
  /** Told the size of each committed batch. */
  readonly onCommitted?: (size: number) => void;
  /** A device summary that could not be queued (it is queued again on the next check-in). */
  readonly onSummaryError?: (error: unknown) => void;
  /** Throws while the database is known to be away: a batch then fails at once (503). */
  readonly database?: { assertAvailable(): void };
  /** Told about a check-in the database refused on its own (its batch-mates were stored). */
  readonly onRefused?: (deviceId: string, error: Error) => void;
}

interface Waiting extends CheckInItem {
  resolve(outcome: CheckInOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit for check-ins, like the server's for replications: check-ins queue here and
 * are stored a batch per transaction, so a commit (and its fsync) is shared by every device
 * that arrived meanwhile. At low load a batch is one check-in and nothing waits; under load
 * batches grow by themselves while the earlier ones commit. A device is in at most one batch
 * at a time (a second check-in of it waits for the first), so batches never touch the same
 * rows and cannot deadlock each other.
 */
export class CheckInBatcher {
  private readonly maxBatch: number;
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly refreshSeconds: number;
  private readonly onCommitted: (size: number) => void;
  private readonly onSummaryError: (error: unknown) => void;
  private readonly database: { assertAvailable(): void } | undefined;
  private readonly onRefused: (deviceId: string, error: Error) => void;
  private queue: Waiting[] = [];
  private readonly devicesInFlight = new Set<string>();
  private inFlight = 0;
  /** Milliseconds the last batch took to commit, for a refused device's Retry-After. */
  lastBatchMs = 0;

  constructor(
    private readonly pool: pg.Pool,
    options: CheckInBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 128;
    this.concurrency = options.concurrency ?? 3;
    this.maxQueued = options.maxQueued ?? 4_096;
    this.refreshSeconds = options.summaryRefreshSeconds ?? 86_400;
    this.onCommitted = options.onCommitted ?? (() => {});
    this.onSummaryError = options.onSummaryError ?? (() => {});
    this.database = options.database;
    this.onRefused = options.onRefused ?? (() => {});
  }

  get depth(): number {
    return this.queue.length;
  }

  /** False when the queue is full: the caller refuses the check-in with 503 + Retry-After. */
  canAccept(): boolean {
    return this.queue.length < this.maxQueued;
  }

  /** Seconds the queue ahead of a new arrival needs at the last batch's pace. */
  estimatedDrainSeconds(): number {
    const batchesAhead = Math.ceil(this.queue.length / this.maxBatch / this.concurrency);
    return (batchesAhead * Math.max(this.lastBatchMs, 1)) / 1_000;
  }

  /** Resolves after the check-in's batch committed. */
  submit(item: CheckInItem): Promise<CheckInOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) return; // everything waiting is a device already in flight
      this.inFlight += 1;
      void this.flush(batch).finally(() => {
        this.inFlight -= 1;
        for (const item of batch) this.devicesInFlight.delete(item.deviceId);
        this.pump();
      });
    }
  }

  private takeBatch(): Waiting[] {
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    for (const item of this.queue) {
      if (batch.length < this.maxBatch && !this.devicesInFlight.has(item.deviceId)) {
        this.devicesInFlight.add(item.deviceId);
        batch.push(item);
      } else rest.push(item);
    }
    this.queue = rest;
    return batch;
  }

  /**
   * Stores the batch (ingest/batch-isolation.ts): a conflict is retried, a check-in whose data
   * the database refuses fails alone while its batch-mates are stored, a database that is away
   * fails the batch at once with a 503. Nothing of a failed check-in is committed: its device
   * checks in again.
   */
  private async flush(batch: Waiting[]): Promise<void> {
    await commitIsolating(batch, {
      commit: async (items) => {
        const started = performance.now();
        this.database?.assertAvailable();
        const outcomes = await this.commit(items);
        this.lastBatchMs = performance.now() - started;
        this.onCommitted(items.length);
        for (const item of items) item.resolve(outcomes.get(item.deviceId) ?? 'unknown');
      },
      fail: (items, error) => {
        for (const item of items) item.reject(refusalOf(error, 'check-in'));
      },
      onIsolated: (item, error) => this.onRefused(item.deviceId, error),
    });
  }

  private commit(batch: readonly Waiting[]): Promise<Map<string, CheckInOutcome>> {
    return storeCheckIns(this.pool, batch, this.refreshSeconds, this.onSummaryError);
  }
}
