import type pg from 'pg';
import type { LogType } from '../../protocol/index.js';

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

/**
 * Deletes logs past their retention in small batches, so a cleanup never holds long locks or
 * stalls replication. Returns rows deleted.
 */
export async function applyRetention(
  pool: pg.Pool,
  days: Readonly<Record<LogType, number>> = DEFAULT_RETENTION_DAYS,
  options: { batchSize?: number; maxBatches?: number } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 5_000;
  const maxBatches = options.maxBatches ?? 200;
  let deleted = 0;
  for (const [type, keepDays] of Object.entries(days)) {
    for (let i = 0; i < maxBatches; i++) {
      const result = await pool.query(
        `DELETE FROM logs WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM logs WHERE type = $1 AND time < now() - make_interval(days => $2) LIMIT $3))`,
        [type, keepDays, batchSize],
      );
      deleted += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < batchSize) break;
    }
  }
  return deleted;
}
