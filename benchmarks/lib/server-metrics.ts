/**
 * Reads the server's Prometheus text (GET /metrics on the console) for what explains a step:
 * group-commit batch sizes and durations, server-side replication time, shed requests.
 * Counters and histogram sums are cumulative, so a step's figures are differences of two
 * snapshots taken at the edges of its measured window.
 */
export interface MetricsSnapshot {
  readonly batchSizeSum: number;
  readonly batchCount: number;
  readonly commitSecondsSum: number;
  /** Cumulative counts per `le` bucket of smc_group_commit_seconds. */
  readonly commitBuckets: ReadonlyMap<string, number>;
  readonly replicationSecondsSum: number;
  readonly replicationCount: number;
  readonly shed: number;
  readonly eventLoopLagP99Seconds: number;
}

export function parseMetrics(text: string): MetricsSnapshot {
  const values = new Map<string, number>();
  const commitBuckets = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.length === 0) continue;
    const space = line.lastIndexOf(' ');
    const key = line.slice(0, space);
    const value = Number(line.slice(space + 1));
    values.set(key, value);
    const bucket = /^smc_group_commit_seconds_bucket\{le="([^"]+)"\}$/.exec(key);
    if (bucket?.[1]) commitBuckets.set(bucket[1], value);
  }
  const get = (key: string) => values.get(key) ?? 0;
  return {
    batchSizeSum: get('smc_group_commit_batch_size_sum'),
    batchCount: get('smc_group_commit_batch_size_count'),
    commitSecondsSum: get('smc_group_commit_seconds_sum'),
    commitBuckets,
    replicationSecondsSum: get('smc_replication_seconds_sum'),
    replicationCount: get('smc_replication_seconds_count'),
    shed: get('smc_replications_total{outcome="shed"}'),
    eventLoopLagP99Seconds: get('smc_nodejs_eventloop_lag_p99_seconds'),
  };
}

export interface GroupCommitFigures {
  readonly batches: number;
  readonly batchesPerSecond: number;
  readonly meanBatchSize: number;
  readonly meanCommitMs: number;
  /** Share of batches that took longer than 20 ms / 50 ms to commit. */
  readonly over20msPercent: number;
  readonly over50msPercent: number;
  /** Time spent committing over wall time (can exceed 100 %: batches commit concurrently). */
  readonly commitBusyPercent: number;
  /** Server-side time from request to answer (includes waiting for the batch). */
  readonly serverMeanReplicationMs: number;
  readonly shed: number;
  readonly eventLoopLagP99Ms: number;
}

export function groupCommitBetween(
  before: MetricsSnapshot,
  after: MetricsSnapshot,
  seconds: number,
): GroupCommitFigures {
  const batches = after.batchCount - before.batchCount;
  const commitSeconds = after.commitSecondsSum - before.commitSecondsSum;
  const replications = after.replicationCount - before.replicationCount;
  const share = (le: string) => {
    const within = (after.commitBuckets.get(le) ?? 0) - (before.commitBuckets.get(le) ?? 0);
    return batches > 0 ? round1(((batches - within) / batches) * 100) : 0;
  };
  return {
    batches,
    batchesPerSecond: round1(batches / seconds),
    meanBatchSize: batches > 0 ? round1((after.batchSizeSum - before.batchSizeSum) / batches) : 0,
    meanCommitMs: batches > 0 ? round1((commitSeconds / batches) * 1_000) : 0,
    over20msPercent: share('0.02'),
    over50msPercent: share('0.05'),
    commitBusyPercent: round1((commitSeconds / seconds) * 100),
    serverMeanReplicationMs:
      replications > 0
        ? round1(
            ((after.replicationSecondsSum - before.replicationSecondsSum) / replications) * 1_000,
          )
        : 0,
    shed: after.shed - before.shed,
    eventLoopLagP99Ms: round1(after.eventLoopLagP99Seconds * 1_000),
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
