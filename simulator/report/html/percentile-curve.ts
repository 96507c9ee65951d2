import { decodeHistogram, usToMsValue } from '../../metrics/histogram.js';
import type { RunResult } from '../../metrics/run-result.js';

/** The percentiles a response-time curve shows (HdrHistogram's usual spectrum). */
export const CURVE_PERCENTILES = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100] as const;

/**
 * Latency at each of CURVE_PERCENTILES from the run's HDR histogram (exact for the whole run,
 * merged shards included): the response-time distribution as k6 and Gatling users read it.
 */
export function percentileCurve(result: RunResult, which: 'fromScheduled' | 'fromSend'): number[] {
  const histogram = decodeHistogram(result.histograms[which], `histograms.${which}`);
  if (histogram.totalCount === 0) return CURVE_PERCENTILES.map(() => 0);
  return CURVE_PERCENTILES.map((p) =>
    usToMsValue(p === 100 ? histogram.maxValue : histogram.getValueAtPercentile(p)),
  );
}
