import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../simulator/metrics/registry.js';

describe('MetricsRegistry', () => {
  it('creates counters, labelled counters and gauges on first use', () => {
    const registry = new MetricsRegistry();
    registry.count('logs_generated', 5);
    registry.count('logs_generated');
    registry.countLabelled('replications', 'http_5xx', 2);
    registry.countLabelled('replications', 'ok');
    registry.setGauge('in_flight', 7);
    registry.setGauge('in_flight', 4);
    expect(registry.counter('logs_generated')).toBe(6);
    expect(registry.counter('never_counted')).toBe(0);
    expect(registry.labelledCounter('replications', 'http_5xx')).toBe(2);
    expect(registry.gauge('in_flight')).toBe(4);
    expect(registry.snapshot()).toEqual({
      counters: { logs_generated: 6 },
      labelled: { replications: { http_5xx: 2, ok: 1 } },
      gauges: { in_flight: 4 },
    });
  });

  it('returns the same histogram for the same name', () => {
    const registry = new MetricsRegistry();
    registry.histogram('latency').recordValue(10);
    registry.histogram('latency').recordValue(20);
    expect(registry.histogram('latency').totalCount).toBe(2);
    expect(registry.histogram('other').totalCount).toBe(0);
  });

  it('refuses increments that would corrupt a counter, naming it', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.count('logs_sent', -1)).toThrow(/counter logs_sent: .*>= 0/);
    expect(() => registry.count('logs_sent', Number.NaN)).toThrow(/counter logs_sent/);
    expect(() => registry.countLabelled('replications', 'ok', -2)).toThrow(/replications\{ok\}/);
    expect(() => registry.setGauge('in_flight', Number.POSITIVE_INFINITY)).toThrow(
      /gauge in_flight/,
    );
  });
});
