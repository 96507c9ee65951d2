/**
 * How big the database grows: at steady state it holds every client's logs for as long as
 * each type is kept, plus one computer record (inventory, state) per client. The plan sizes
 * the database's disk from this instead of the tier's figure alone.
 */

/** Log types the server stores, as in the protocol. */
export type StoredLogType = 'detection' | 'firewall' | 'hips' | 'scan' | 'audit' | 'event';

/**
 * Days each log type is kept: the server's defaults (server/store/retention.ts; esmc-facts.md
 * "Database retention": detections 90, management logs 30, audit 180, monitoring 30).
 * A test keeps the two in step.
 */
export const RETENTION_DAYS: Readonly<Record<StoredLogType, number>> = {
  detection: 90,
  firewall: 90,
  hips: 90,
  scan: 30,
  audit: 180,
  event: 30,
};

/**
 * Days of one log partition: retention drops a type's week only once all of it is past the
 * type's days (server/store/log-partitions.ts), so a log is kept up to a week longer than its
 * retention, and the disk must hold that week. A test keeps the two in step.
 */
export const LOG_PARTITION_DAYS = 7;

/**
 * The simulator's log mix (simulator/profile/events.ts): routine events dominate, detections
 * are rare. A test keeps the two in step.
 */
export const LOG_TYPE_MIX: Readonly<Record<StoredLogType, number>> = {
  event: 0.35,
  firewall: 0.25,
  audit: 0.15,
  scan: 0.1,
  hips: 0.1,
  detection: 0.05,
};

/**
 * ours: logs a managed computer sends per day in steady use (firewall, HIPS, scan and
 * monitoring events). The guide gives no figure (its test case stored ~30 logs per client in
 * all); change it with `--logs-per-client-day` once a pilot group shows yours.
 */
export const DEFAULT_LOGS_PER_CLIENT_PER_DAY = 20;
/**
 * measured: bytes a stored log costs in PostgreSQL, heap plus indexes (17,565 logs from
 * `smc simulate` against `smc serve`, 300 agents, the simulator's log mix: 5,627,904 bytes of
 * `pg_total_relation_size('logs')`, 320 B each).
 */
export const MEASURED_BYTES_PER_LOG = 320;
/** measured (same run): computer, inventory, enrolment and state rows: ~3.7 KiB per computer. */
export const MEASURED_BYTES_PER_COMPUTER = 3_800;
/**
 * ours: the disk holds twice the data: WAL, dead rows until VACUUM, index bloat, and a
 * pg_dump taken on the host before it is copied off.
 */
export const DATABASE_DISK_HEADROOM = 2;

export interface DatabaseGrowth {
  readonly logsPerClientPerDay: number;
  /** The mix-weighted retention days. */
  readonly meanRetentionDays: number;
  /** The most days a log is held: its retention plus the partition it waits in to be dropped. */
  readonly heldDaysAtMost: number;
  /** Logs held at steady state, right before a week's partitions are dropped (the peak). */
  readonly logsAtSteadyState: number;
  readonly bytesPerLog: number;
  readonly bytesPerComputer: number;
  /** Data at steady state. */
  readonly dataGiB: number;
  /** Disk the data needs with headroom. */
  readonly diskGiB: number;
  readonly assumption: string;
}

export function planDatabaseGrowth(clients: number, logsPerClientPerDay: number): DatabaseGrowth {
  let meanRetentionDays = 0;
  for (const type of Object.keys(LOG_TYPE_MIX) as StoredLogType[]) {
    meanRetentionDays += LOG_TYPE_MIX[type] * RETENTION_DAYS[type];
  }
  meanRetentionDays = Math.round(meanRetentionDays * 10) / 10;
  const heldDaysAtMost = meanRetentionDays + LOG_PARTITION_DAYS;
  const logsAtSteadyState = Math.round(clients * logsPerClientPerDay * heldDaysAtMost);
  const bytes = logsAtSteadyState * MEASURED_BYTES_PER_LOG + clients * MEASURED_BYTES_PER_COMPUTER;
  const dataGiB = Math.round((bytes / 2 ** 30) * 10) / 10;
  return {
    logsPerClientPerDay,
    meanRetentionDays,
    heldDaysAtMost,
    logsAtSteadyState,
    bytesPerLog: MEASURED_BYTES_PER_LOG,
    bytesPerComputer: MEASURED_BYTES_PER_COMPUTER,
    dataGiB,
    diskGiB: Math.ceil(dataGiB * DATABASE_DISK_HEADROOM),
    assumption: `${logsPerClientPerDay} logs per client per day (${logsPerClientPerDay === DEFAULT_LOGS_PER_CLIENT_PER_DAY ? 'ours' : 'given'}), kept ${meanRetentionDays} days on average (the server's retention by type over the simulator's log mix) and up to ${LOG_PARTITION_DAYS} more (logs expire by whole weekly partitions), ${MEASURED_BYTES_PER_LOG} B per log and ${(MEASURED_BYTES_PER_COMPUTER / 1024).toFixed(1)} KiB per computer (measured); disk ${DATABASE_DISK_HEADROOM}x the data for WAL, bloat and a local dump`,
  };
}
