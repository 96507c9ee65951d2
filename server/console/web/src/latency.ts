/**
 * Replication latency percentiles from the Prometheus histogram `smc_replication_seconds` on
 * /metrics. The histogram is cumulative since start, so two snapshots are diffed to get the
 * latency of the last polling window. Buckets limit precision: the answer is the upper
 * bound of the bucket holding the percentile ("p99 <= 25 ms").
 */

export type Buckets = ReadonlyMap<number, number>;

const BUCKET_LINE = /^smc_replication_seconds_bucket\{le="([^"]+)"\}\s+([0-9.eE+-]+)$/;

export function parseBuckets(metricsText: string): Buckets {
  const buckets = new Map<number, number>();
  for (const line of metricsText.split('\n')) {
    const match = BUCKET_LINE.exec(line.trim());
    if (!match?.[1] || !match[2]) continue;
    const le = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
    buckets.set(le, Number(match[2]));
  }
  return buckets;
}

/** Upper bound in seconds of the bucket holding quantile `q` of what happened between the snapshots; null when nothing did. */
export function windowQuantile(before: Buckets, after: Buckets, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total =
    (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return null;
  for (const le of bounds) {
    const count = (after.get(le) ?? 0) - (before.get(le) ?? 0);
    if (count >= q * total) return le;
  }
  return Number.POSITIVE_INFINITY;
}

export function formatBound(seconds: number | null, buckets: Buckets): string {
  if (seconds === null) return '–';
  if (!Number.isFinite(seconds)) {
    const largest = Math.max(...[...buckets.keys()].filter(Number.isFinite));
    return `> ${largest} s`;
  }
  return seconds < 1 ? `≤ ${Math.round(seconds * 1_000)} ms` : `≤ ${seconds} s`;
}
