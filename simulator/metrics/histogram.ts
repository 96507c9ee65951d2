import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';

/**
 * Latency histograms: HDR (3 significant digits), values recorded in whole microseconds so
 * sub-millisecond loopback latencies keep their resolution, up to one hour (longer values are
 * recorded as one hour). A fixed range, not auto-resizing: percentiles read ~10x faster. They travel in
 * RunResult as the library's compressed base64 encoding, which round-trips every count, so
 * merging shards is exact: the merged histogram is the one a single process would have built.
 */
export type { Histogram };

export const HISTOGRAM_ENCODING = 'hdr-compressed-base64' as const;
export const HISTOGRAM_UNIT = 'us' as const;

/** One hour in microseconds: no replication waits longer and still means anything. */
export const HIGHEST_TRACKABLE_US = 3_600_000_000;

export function createHistogram(): Histogram {
  return build({
    numberOfSignificantValueDigits: 3,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    autoResize: false,
  });
}

/** Records a duration given in milliseconds (fractions allowed); negatives count as 0. */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.min(HIGHEST_TRACKABLE_US, Math.max(0, Math.round(ms * 1_000))));
}

export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** Decodes a histogram from a result file; the error names where it came from. */
export function decodeHistogram(encoded: string, field: string): Histogram {
  try {
    return decodeFromCompressedBase64(encoded);
  } catch (error) {
    throw new RangeError(
      `${field}: not a valid encoded HDR histogram (${(error as Error).message})`,
    );
  }
}

/** Sum of several encoded histograms, encoded again. */
export function mergeEncodedHistograms(encoded: readonly string[], field: string): string {
  const total = createHistogram();
  encoded.forEach((text, i) => {
    total.add(decodeHistogram(text, `${field}[${i}]`));
  });
  return encodeHistogram(total);
}

/** Percentiles a person reads, in milliseconds. Zeros when nothing was recorded. */
export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

export function summariseHistogram(histogram: Histogram): LatencySummary {
  const at = (p: number) => percentileMs(histogram, p);
  return {
    count: histogram.totalCount,
    meanMs: histogram.totalCount === 0 ? 0 : usToMs(histogram.mean),
    p50Ms: at(50),
    p90Ms: at(90),
    p95Ms: at(95),
    p99Ms: at(99),
    p999Ms: at(99.9),
    // From the buckets, like every percentile, so a decoded or merged histogram agrees exactly.
    maxMs: at(100),
  };
}

export function percentileMs(histogram: Histogram, percentile: number): number {
  return histogram.totalCount === 0 ? 0 : usToMs(histogram.getValueAtPercentile(percentile));
}

/** Microseconds to milliseconds, kept to microsecond precision (no float noise in JSON). */
const usToMs = (us: number) => Math.round(us) / 1_000;
/** The same conversion for readers of a decoded histogram (report charts). */
export const usToMsValue = usToMs;
