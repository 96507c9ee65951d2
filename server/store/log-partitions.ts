import type pg from 'pg';
import { LOG_TYPES, type LogType } from '../../protocol/index.js';

/** Weeks created ahead of now for every log type, so the default partition stays near empty. */
export const WEEKS_AHEAD = 2;

/** One partition's span per log type; the plan's growth model counts it (sizing). */
export const LOG_PARTITION_MILLIS = 7 * 86_400_000;
const WEEK_MILLIS = LOG_PARTITION_MILLIS;
/** `logs_<type>_w<yyyymmdd>`: a week's partition as migration 12 names it. */
const PARTITION_NAME = /^logs_([a-z]+)_w(\d{4})(\d{2})(\d{2})$/;

export interface LogPartition {
  readonly name: string;
  readonly type: string;
  /** The week: [start, end), UTC. */
  readonly start: Date;
  readonly end: Date;
}

/**
 * Creates this week's partition and the next `WEEKS_AHEAD` for every log type (migration 12's
 * `smc_ensure_log_partition`, which moves rows the default partition held for a week into it).
 * Returns the names created. Safe to run from several servers at once (an advisory lock).
 */
export async function ensureLogPartitions(pool: pg.Pool, now = new Date()): Promise<string[]> {
  const created: string[] = [];
  for (const type of LOG_TYPES) {
    for (let week = 0; week <= WEEKS_AHEAD; week++) {
      const at = new Date(now.getTime() + week * WEEK_MILLIS);
      const { rows } = await pool.query<{ made: boolean }>(
        'SELECT smc_ensure_log_partition($1, $2) AS made',
        [type, at],
      );
      if (rows[0]?.made) created.push(partitionName(type, at));
    }
  }
  return created;
}

/** The week partitions of `logs` (not the default one). */
export async function logPartitions(pool: pg.Pool): Promise<LogPartition[]> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'logs'::regclass ORDER BY 1`,
  );
  const partitions: LogPartition[] = [];
  for (const { name } of rows) {
    const match = PARTITION_NAME.exec(name);
    if (!match) continue;
    const start = new Date(Date.UTC(Number(match[2]), Number(match[3]) - 1, Number(match[4])));
    partitions.push({
      name,
      type: match[1] as string,
      start,
      end: new Date(start.getTime() + WEEK_MILLIS),
    });
  }
  return partitions;
}

/**
 * Drops every week partition wholly past its type's retention. DROP takes an ACCESS EXCLUSIVE
 * lock on `logs` for a catalog change of milliseconds; a short lock_timeout keeps a long console
 * query from making replications queue behind the waiting drop: a partition not dropped now is
 * dropped on the next run. DETACH ... CONCURRENTLY would avoid the strong lock, but PostgreSQL
 * refuses it on a table with a default partition, and it cannot run inside a transaction.
 */
export async function dropExpiredLogPartitions(
  pool: pg.Pool,
  days: Readonly<Record<LogType, number>>,
  now = new Date(),
  lockTimeoutMillis = 2_000,
): Promise<string[]> {
  const dropped: string[] = [];
  for (const partition of await logPartitions(pool)) {
    const keep = days[partition.type as LogType];
    if (keep === undefined) continue;
    if (partition.end.getTime() > now.getTime() - keep * 86_400_000) continue;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMillis))}`);
      await client.query(`DROP TABLE IF EXISTS "${partition.name}"`);
      await client.query('COMMIT');
      dropped.push(partition.name);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      // 55P03 lock_not_available: busy now, next run. Anything else is a real fault.
      if ((error as { code?: string }).code !== '55P03') throw error;
    } finally {
      client.release();
    }
  }
  return dropped;
}

function partitionName(type: string, at: Date): string {
  const day = (at.getUTCDay() + 6) % 7; // Monday 0, as date_trunc('week') counts
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() - day));
  const ymd = start.toISOString().slice(0, 10).replaceAll('-', '');
  return `logs_${type}_w${ymd}`;
}
