import { describe, expect, it } from 'vitest';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  mergeEncodedHistograms,
  recordMs,
  summariseHistogram,
} from '../../../simulator/metrics/histogram.js';
import { seededRandom } from './fake-run.js';

describe('latency histograms', () => {
  it('keep sub-millisecond resolution (values in microseconds)', () => {
    const h = createHistogram();
    recordMs(h, 0.25);
    recordMs(h, 0.75);
    recordMs(h, -3); // clock skew never records a negative latency
    const summary = summariseHistogram(h);
    expect(summary.count).toBe(3);
    expect(summary.maxMs).toBeCloseTo(0.75, 3);
    expect(summary.p50Ms).toBeCloseTo(0.25, 3);
  });

  it('summarise an empty histogram as zeros', () => {
    expect(summariseHistogram(createHistogram())).toEqual({
      count: 0,
      meanMs: 0,
      p50Ms: 0,
      p90Ms: 0,
      p95Ms: 0,
      p99Ms: 0,
      p999Ms: 0,
      maxMs: 0,
    });
  });

  it('merge exactly: counts add up and every percentile equals one histogram of all samples', () => {
    const random = seededRandom(7);
    const shards = [createHistogram(), createHistogram(), createHistogram()];
    const all = createHistogram();
    let recorded = 0;
    shards.forEach((shard, i) => {
      // Different shapes per shard: the merge must not average them.
      for (let n = 0; n < 5_000 * (i + 1); n++) {
        const ms = i === 2 ? 200 + random() * 3_000 : random() * 50 * (i + 1);
        recordMs(shard, ms);
        recordMs(all, ms);
        recorded++;
      }
    });
    const merged = decodeHistogram(
      mergeEncodedHistograms(shards.map(encodeHistogram), 'histograms.fromScheduled'),
      'merged',
    );
    expect(merged.totalCount).toBe(recorded);
    expect(merged.totalCount).toBe(shards.reduce((sum, h) => sum + h.totalCount, 0));
    for (let p = 1; p <= 100; p += 0.5) {
      expect(merged.getValueAtPercentile(p)).toBe(all.getValueAtPercentile(p));
    }
    expect(merged.getValueAtPercentile(99.99)).toBe(all.getValueAtPercentile(99.99));
    expect(summariseHistogram(merged)).toEqual(summariseHistogram(all));
  });

  it('round-trip through the encoding without losing a count', () => {
    const h = createHistogram();
    for (let ms = 1; ms <= 1_000; ms++) recordMs(h, ms);
    const back = decodeHistogram(encodeHistogram(h), 'h');
    expect(back.totalCount).toBe(1_000);
    expect(summariseHistogram(back)).toEqual(summariseHistogram(h));
  });

  it('name the field when an encoded histogram is broken', () => {
    expect(() => decodeHistogram('not-a-histogram', 'histograms.fromSend')).toThrow(
      /histograms\.fromSend: not a valid encoded HDR histogram/,
    );
  });
});
