import type pg from 'pg';
import type { LogType } from '../../protocol/index.js';
import { dropExpiredLogPartitions, ensureLogPartitions } from './log-partitions.js';

/**
 * Days each log type is kept (esmc-facts.md "Database retention", ESET PROTECT Cloud defaults):
 * detections 90, management logs 30, audit 180, monitoring 30. Ours: firewall and HIPS are
 * detections, scans are management logs, generic events are monitoring.
 */
export const DEFAULT_RETENTION_DAYS: Readonly<Record<LogType, number>> = {
  detection: 90,
  firewall: 90,
  hips: 90,
  scan: 30,
  audit: 180,
  event: 30,
};

export interface RetentionReport {
  /** Week partitions dropped whole (store/log-partitions.ts). */
  readonly dropped: readonly string[];
  /** Rows deleted one by one: those the default partition held past their retention. */
  readonly deleted: number;
  /** Week partitions created ahead. */
  readonly created: readonly string[];
}

/**
 * Logs are partitioned by type and week (migration 12): retention drops each week once it lies
 * wholly past its type's retention, so a log is kept at least its days and less than a week
 * more, and expiry costs a catalog change instead of a delete per row. Only rows in the default
 * partition (times far off, or a week nobody created) are deleted row by row, in small batches
 * so a cleanup never holds long locks or stalls replication. Creates the weeks ahead too, so
 * the timer that runs this keeps the partitions in step.
 */
export async function applyRetention(
  pool: pg.Pool,
  days: Readonly<Record<LogType, number>> = DEFAULT_RETENTION_DAYS,
  options: { batchSize?: number; maxBatches?: number; now?: Date; lockTimeoutMillis?: number } = {},
): Promise<RetentionReport> {
  const batchSize = options.batchSize ?? 5_000;
  const maxBatches = options.maxBatches ?? 200;
  const now = options.now ?? new Date();
  const created = await ensureLogPartitions(pool, now);
  const dropped = await dropExpiredLogPartitions(pool, days, now, options.lockTimeoutMillis);
  let deleted = 0;
  for (const [type, keepDays] of Object.entries(days)) {
    const cutoff = new Date(now.getTime() - keepDays * 86_400_000);
    for (let i = 0; i < maxBatches; i++) {
      const result = await pool.query(
        `DELETE FROM logs_default WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM logs_default WHERE type = $1 AND time < $2 LIMIT $3))`,
        [type, cutoff, batchSize],
      );
      deleted += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < batchSize) break;
    }
  }
  return { dropped, deleted, created };
}
