import { describe, expect, it } from 'vitest';
import { createRunMetrics } from '../../../simulator/metrics/run-metrics.js';
import { parseRunResult } from '../../../simulator/metrics/run-result-check.js';
import { BASE_META, fakeClock, fakeRun, scriptedProbe } from './fake-run.js';

describe('createRunMetrics', () => {
  it('keeps both latencies, lateness and outcomes per replication', () => {
    const clock = fakeClock(0);
    const metrics = createRunMetrics({
      lateThresholdMs: 100,
      clock: clock.now,
      probe: scriptedProbe(),
    });
    // Scheduled at 0, the generator sends 300 ms late, the server answers in 20 ms.
    metrics.recordReplication({
      scheduledAtMs: 0,
      sentAtMs: 300,
      doneAtMs: 320,
      outcome: 'ok',
      logsSent: 3,
      logsAcked: 3,
    });
    metrics.recordReplication({
      scheduledAtMs: 10,
      sentAtMs: 20,
      doneAtMs: 60,
      outcome: 'shed_503',
      logsSent: 2,
      logsAcked: 0,
    });
    metrics.count('logs_generated', 5);
    clock.advance(1_000);
    const sample = metrics.tick();
    expect(sample).toMatchObject({ second: 1, completed: 2, ok: 1, failed: 1, late: 1 });
    metrics.stop();
    const result = metrics.finish(BASE_META);
    expect(result.outcomes).toMatchObject({ ok: 1, shed_503: 1, http_5xx: 0 });
    expect(result.counters).toMatchObject({
      replications_late: 1,
      logs_sent: 5,
      logs_acked: 3,
      logs_generated: 5,
    });
    expect(result.derived.latencyFromScheduled.maxMs).toBeCloseTo(320, 0);
    expect(result.derived.latencyFromSend.maxMs).toBeCloseTo(40, 0);
    expect(result.derived.lateness.maxMs).toBeCloseTo(300, 0);
    expect(result.derived.errorRatio).toBe(0.5);
    expect(result.derived.lateRatio).toBe(0.5);
    expect(result.derived.logs).toEqual({
      generated: 5,
      sent: 5,
      resent: 0,
      acknowledged: 3,
      pending: 2,
      lost: null,
    });
    expect(result.durationSeconds).toBe(1);
  });

  it('builds a per-second series and rates from the run clock', () => {
    const result = fakeRun({ seconds: 10, perSecond: 50, failEvery: 10, lateEvery: 25 });
    expect(result.series).toHaveLength(10);
    expect(result.series.map((s) => s.second)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.series.every((s) => s.completed === 50 && s.scheduled === 50)).toBe(true);
    expect(result.derived.replications).toEqual({
      scheduled: 500,
      completed: 500,
      ok: 450,
      failed: 50,
      late: 20,
    });
    expect(result.derived.rates.achievedPerSec).toBe(45);
    expect(result.derived.rates.attemptedPerSec).toBe(50);
    expect(result.derived.errorRatio).toBeCloseTo(0.1, 10);
    expect(result.derived.lateRatio).toBeCloseTo(0.04, 10);
    expect(result.outcomes.http_5xx).toBe(50);
  });

  it('reports each closed second with run totals, for the progress line', () => {
    const clock = fakeClock(0);
    const seen: string[] = [];
    const metrics = createRunMetrics({
      lateThresholdMs: 100,
      clock: clock.now,
      probe: scriptedProbe(),
      onSecond: (sample, totals) =>
        seen.push(
          `${sample.second}:${sample.completed}:${totals.completed}:${totals.failed}:${totals.elapsedSeconds}`,
        ),
    });
    for (const outcome of ['ok', 'timeout', 'ok'] as const) {
      metrics.recordReplication({
        scheduledAtMs: 0,
        sentAtMs: 0,
        doneAtMs: 5,
        outcome,
        logsSent: 0,
        logsAcked: 0,
      });
      clock.advance(1_000);
      metrics.tick();
    }
    expect(seen).toEqual(['1:1:1:0:1', '2:1:2:1:2', '3:1:3:1:3']);
  });

  it('prefers counted dispatches over the scheduled_rate gauge', () => {
    const clock = fakeClock(0);
    const metrics = createRunMetrics({
      lateThresholdMs: 100,
      clock: clock.now,
      probe: scriptedProbe(),
    });
    metrics.setGauge('scheduled_rate', 1_000);
    metrics.count('replications_scheduled', 7);
    clock.advance(1_000);
    expect(metrics.tick().scheduled).toBe(7);
    clock.advance(1_000);
    expect(metrics.tick().scheduled).toBe(0);
    expect(metrics.finish(BASE_META).derived.replications.scheduled).toBe(7);
  });

  it('measures windows on their own (capacity-search steps)', () => {
    const clock = fakeClock(0);
    const metrics = createRunMetrics({
      lateThresholdMs: 100,
      clock: clock.now,
      probe: scriptedProbe(),
    });
    const record = (latencyMs: number, outcome: 'ok' | 'timeout' = 'ok') => {
      const t = clock.now();
      metrics.recordReplication({
        scheduledAtMs: t,
        sentAtMs: t,
        doneAtMs: t + latencyMs,
        outcome,
        logsSent: 0,
        logsAcked: 0,
      });
    };
    record(5);
    const step = metrics.openWindow('step rate=100/s');
    record(200);
    record(400, 'timeout');
    clock.advance(2_000);
    const figures = step.close();
    record(9_000); // after the window: not in it
    expect(figures.label).toBe('step rate=100/s');
    expect(figures.durationSeconds).toBe(2);
    expect(figures.replications.completed).toBe(2);
    expect(figures.errorRatio).toBe(0.5);
    expect(figures.latencyFromScheduled.maxMs).toBeCloseTo(400, 0);
    expect(step.close()).toBe(figures);
    const result = metrics.finish(BASE_META);
    expect(result.marks).toEqual([{ atSecond: 0, label: 'step rate=100/s' }]);
    expect(result.derived.replications.completed).toBe(4);
  });

  it('flags a generator that was its own bottleneck, with the reason', () => {
    const busy = Array.from({ length: 10 }, (_, i) => ({ lag: i < 4 ? 120 : 3, cpu: 40 }));
    const result = fakeRun({ seconds: 10, probe: scriptedProbe(busy) });
    expect(result.generator.generatorBottleneck).toBe(true);
    expect(result.generator.reasons[0]).toMatch(
      /event-loop lag p99 was over 50 ms in 40% of seconds \(max 120 ms\)/,
    );
    const healthy = fakeRun({
      seconds: 10,
      probe: scriptedProbe([
        { lag: 3, cpu: 95 },
        { lag: 3, cpu: 50 },
      ]),
    });
    expect(healthy.generator.generatorBottleneck).toBe(false);
    expect(healthy.generator.cpu.secondsOverLimit).toBe(1);
  });

  it('refuses bad samples and bad meta, naming the field', () => {
    const metrics = createRunMetrics({
      lateThresholdMs: 100,
      clock: fakeClock().now,
      probe: scriptedProbe(),
    });
    expect(() =>
      metrics.recordReplication({
        scheduledAtMs: Number.NaN,
        sentAtMs: 0,
        doneAtMs: 0,
        outcome: 'ok',
        logsSent: 0,
        logsAcked: 0,
      }),
    ).toThrow(/scheduledAtMs/);
    expect(() =>
      metrics.recordReplication({
        scheduledAtMs: 0,
        sentAtMs: 0,
        doneAtMs: 0,
        outcome: 'weird' as 'ok',
        logsSent: 0,
        logsAcked: 0,
      }),
    ).toThrow(/unknown outcome "weird"/);
    expect(() => metrics.finish({ ...BASE_META, mode: 'soak' as 'fleet' })).toThrow(
      /meta\.mode: must be one of fleet, rate, ramp, capacity, warm-up, storm, drain/,
    );
    expect(() => createRunMetrics({ lateThresholdMs: -1 })).toThrow(/lateThresholdMs/);
  });

  it('serialises to JSON that reads back to the same result', () => {
    const result = fakeRun({
      failEvery: 7,
      meta: { verify: { logsAcknowledged: 10, lost: 0, checkedAgents: 100 } },
    });
    const back = parseRunResult(JSON.parse(JSON.stringify(result)), 'run.json');
    expect(back).toEqual(result);
    expect(back.derived.logs.lost).toBe(0);
  });
});

describe('parseRunResult', () => {
  const good = () => JSON.parse(JSON.stringify(fakeRun({ seconds: 2 })));

  it('refuses other schema versions and other files', () => {
    expect(() => parseRunResult({ ...good(), schemaVersion: 2 }, 'a.json')).toThrow(
      /a\.json: schemaVersion 2 is not supported; this smc reads version 1/,
    );
    expect(() => parseRunResult({ hello: 1 }, 'b.json')).toThrow(
      /b\.json: not an smc simulator result/,
    );
  });

  it('names the broken field', () => {
    const broken = good();
    broken.series[1].p99Ms = 'slow';
    expect(() => parseRunResult(broken, 'c.json')).toThrow(
      /c\.json: series\[1\]\.p99Ms: must be a finite number/,
    );
    const badHistogram = good();
    badHistogram.histograms.fromSend = 'xyz';
    expect(() => parseRunResult(badHistogram, 'd.json')).toThrow(
      /d\.json: histograms\.fromSend: not a valid/,
    );
  });
});
