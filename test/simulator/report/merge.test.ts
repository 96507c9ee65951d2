import { describe, expect, it } from 'vitest';
import type {
  ReplicationSample,
  RequestSample,
  RunResult,
} from '../../../simulator/metrics/contract.js';
import { decodeHistogram, summariseHistogram } from '../../../simulator/metrics/histogram.js';
import { createRunMetrics } from '../../../simulator/metrics/run-metrics.js';
import { parseRunResult } from '../../../simulator/metrics/run-result-check.js';
import { MergeError, mergeRunResults } from '../../../simulator/report/merge.js';
import {
  BASE_META,
  fakeCapacityRun,
  fakeClock,
  fakeRun,
  scriptedProbe,
  seededRandom,
} from '../metrics/fake-run.js';

/** Two shards and one process that saw every sample of both, on one fake clock. */
function shardsAndWhole(seconds = 8) {
  const clock = fakeClock(0);
  const make = (lag: number) =>
    createRunMetrics({
      lateThresholdMs: 500,
      clock: clock.now,
      probe: scriptedProbe([{ lag, cpu: 20 }]),
    });
  const shards = [make(2), make(9)];
  const whole = make(9);
  const random = seededRandom(11);
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < 60; i++) {
      const shard = i % 3 === 0 ? 1 : 0; // uneven split: 40 vs 20 per second
      const t = clock.now();
      const slow = shard === 1 ? 300 : 0; // shard 2 talks to a slower path
      const sample: ReplicationSample = {
        scheduledAtMs: t,
        sentAtMs: t + (i % 17 === 0 ? 800 : random() * 4),
        doneAtMs: t + 10 + slow + random() * 90,
        outcome: i % 13 === 0 ? 'timeout' : 'ok',
        logsSent: 3,
        logsAcked: i % 13 === 0 ? 0 : 3,
      };
      // Each replication is a replicate request; every 7th agent also enrolls (and connects).
      const requests: RequestSample[] = [
        {
          endpoint: 'replicate',
          startedAtMs: sample.sentAtMs,
          doneAtMs: sample.doneAtMs,
          failed: sample.outcome !== 'ok',
          bytesSent: 900 + i,
          bytesReceived: sample.outcome === 'ok' ? 200 + s : 0,
        },
      ];
      if (i % 7 === 0)
        requests.push({
          endpoint: 'enroll',
          startedAtMs: t,
          doneAtMs: t + 40 + random() * 20 + slow,
          failed: i % 21 === 0,
          bytesSent: 1_500,
          bytesReceived: 2_100,
        });
      for (const m of [shards[shard], whole]) {
        m?.recordReplication(sample);
        m?.count('logs_generated', 3);
        for (const request of requests) m?.recordRequest(request);
        if (i % 7 === 0) m?.count('enrollments');
      }
      clock.advance(1_000 / 60);
    }
    shards[0]?.setGauge('agents_active', 30);
    shards[1]?.setGauge('agents_active', 20);
    whole.setGauge('agents_active', 50);
    // Agents' and devices' sessions: each shard holds some of both, the whole holds them all.
    shards[0]?.setGauge('sessions_open', 25 + s);
    shards[1]?.setGauge('sessions_open', 15);
    shards[1]?.setGauge('device_sessions_open', 4);
    whole.setGauge('sessions_open', 40 + s);
    whole.setGauge('device_sessions_open', 4);
    for (const m of [...shards, whole]) m.tick();
  }
  const meta = (index: number) => ({ ...BASE_META, agents: 50, shard: { index, count: 2 } });
  return {
    shards: shards.map((m, i) => ({
      name: `shard-${i + 1}.json`,
      result: roundTrip(m.finish(meta(i + 1))),
    })),
    whole: whole.finish({ ...BASE_META, agents: 100 }),
  };
}

const roundTrip = (r: RunResult) => parseRunResult(JSON.parse(JSON.stringify(r)), 'file');

describe('mergeRunResults', () => {
  it('gives the figures one process recording every sample would have', () => {
    const { shards, whole } = shardsAndWhole();
    const merged = mergeRunResults(shards);
    expect(merged.derived.latencyFromScheduled).toEqual(whole.derived.latencyFromScheduled);
    expect(merged.derived.latencyFromSend).toEqual(whole.derived.latencyFromSend);
    expect(merged.derived.lateness).toEqual(whole.derived.lateness);
    expect(merged.outcomes).toEqual(whole.outcomes);
    expect(merged.counters).toEqual(whole.counters);
    expect(merged.derived.replications).toEqual(whole.derived.replications);
    expect(merged.derived.rates).toEqual(whole.derived.rates);
    expect(merged.derived.logs).toEqual(whole.derived.logs);
    const completed = shards.reduce((sum, s) => sum + s.result.derived.replications.completed, 0);
    expect(merged.derived.replications.completed).toBe(completed);
  });

  it('aligns the series by second, summing counts and keeping the worst generator reading', () => {
    const { shards, whole } = shardsAndWhole();
    const merged = mergeRunResults(shards);
    expect(merged.series.map((s) => s.second)).toEqual(whole.series.map((s) => s.second));
    merged.series.forEach((s, i) => {
      const w = whole.series[i];
      expect([s.completed, s.ok, s.failed, s.late]).toEqual([
        w?.completed,
        w?.ok,
        w?.failed,
        w?.late,
      ]);
      expect(s.eventLoopLagP99Ms).toBe(9);
      // p99 of the merged second is the max of the shards': an upper bound of the true one.
      expect(s.p99Ms).toBeGreaterThanOrEqual(w?.p99Ms ?? Number.POSITIVE_INFINITY);
    });
  });

  it('adds sessions, agents, bytes and requests by endpoint up exactly across shards', () => {
    const { shards, whole } = shardsAndWhole();
    const merged = mergeRunResults(shards);
    expect(merged.series.length).toBe(whole.series.length);
    merged.series.forEach((s, i) => {
      const w = whole.series[i];
      expect(s.sessionsOpen).toBeGreaterThan(0);
      expect([s.sessionsOpen, s.agentsActive, s.agentsEnrolled]).toEqual([
        w?.sessionsOpen,
        w?.agentsActive,
        w?.agentsEnrolled,
      ]);
      expect([s.bytesSent, s.bytesReceived]).toEqual([w?.bytesSent, w?.bytesReceived]);
      for (const name of ['replicate', 'enroll'] as const) {
        expect(s.endpoints?.[name]?.requests).toBeGreaterThan(0);
        expect(s.endpoints?.[name]?.requests).toBe(w?.endpoints?.[name]?.requests);
        expect(s.endpoints?.[name]?.errors).toBe(w?.endpoints?.[name]?.errors);
        // Per-second p99 is the shards' max: an upper bound, as for replications.
        expect(s.endpoints?.[name]?.p99Ms).toBeGreaterThanOrEqual(w?.endpoints?.[name]?.p99Ms ?? 0);
      }
    });
    // Whole-run split: counts add, the latency histograms merge exactly.
    for (const name of ['replicate', 'enroll'] as const) {
      const m = merged.endpoints?.[name];
      const w = whole.endpoints?.[name];
      expect(m?.requests).toBeGreaterThan(0);
      expect([m?.requests, m?.errors, m?.bytesSent, m?.bytesReceived]).toEqual([
        w?.requests,
        w?.errors,
        w?.bytesSent,
        w?.bytesReceived,
      ]);
      const summary = (encoded = '') => summariseHistogram(decodeHistogram(encoded, name));
      expect(summary(m?.latency)).toEqual(summary(w?.latency));
    }
    // And it survives the file round trip a merged result takes.
    expect(roundTrip(merged).endpoints).toEqual(merged.endpoints);
  });

  it('keeps the new series absent (not zero) when merging files that predate them', () => {
    const old = (r: RunResult): RunResult => {
      const { endpoints: _e, ...rest } = r;
      return {
        ...rest,
        series: r.series.map(({ sessionsOpen: _s, bytesSent: _b, endpoints: _p, ...o }) => o),
      };
    };
    const { shards } = shardsAndWhole(3);
    const merged = mergeRunResults(shards.map((s) => ({ ...s, result: old(s.result) })));
    expect(merged.endpoints).toBeUndefined();
    expect(merged.series.every((s) => s.sessionsOpen === undefined)).toBe(true);
    expect(merged.series.every((s) => s.endpoints === undefined)).toBe(true);
    // A field the old files do carry still adds up.
    expect(merged.series[0]?.bytesReceived).toBeGreaterThan(0);
  });

  it('combines meta and records where each part came from', () => {
    const merged = mergeRunResults(shardsAndWhole().shards);
    expect(merged.meta.agents).toBe(100);
    expect(merged.meta.shard).toBeUndefined();
    expect(merged.sources?.map((s) => s.shard)).toEqual([
      { index: 1, count: 2 },
      { index: 2, count: 2 },
    ]);
    // A merged result merges again (e.g. per-region merges, then a global one).
    const again = mergeRunResults([{ name: 'all.json', result: roundTrip(merged) }]);
    expect(again.derived.latencyFromScheduled).toEqual(merged.derived.latencyFromScheduled);
  });

  it('refuses results that do not belong together, naming the files', () => {
    const a = { name: 'a.json', result: fakeRun({ meta: { shard: { index: 1, count: 2 } } }) };
    const rate = { name: 'b.json', result: fakeRun({ meta: { mode: 'rate' } }) };
    expect(() => mergeRunResults([a, rate])).toThrow(MergeError);
    expect(() => mergeRunResults([a, rate])).toThrow(
      /a\.json is a fleet run and b\.json a rate run/,
    );
    const twin = { name: 'c.json', result: a.result };
    expect(() => mergeRunResults([a, twin])).toThrow(/a\.json and c\.json are both shard 1\/2/);
    const v2 = {
      name: 'd.json',
      result: { ...fakeRun(), schemaVersion: 2 } as unknown as RunResult,
    };
    expect(() => mergeRunResults([{ name: 'e.json', result: fakeRun() }, v2])).toThrow(
      /different schema versions/,
    );
    const scaled = { name: 'f.json', result: fakeRun({ meta: { timeScale: 60 } }) };
    expect(() => mergeRunResults([{ name: 'e.json', result: fakeRun() }, scaled])).toThrow(
      /different time scales/,
    );
  });

  it('merges lock-step capacity searches step by step', () => {
    const merged = mergeRunResults([
      { name: 'a.json', result: fakeCapacityRun([100, 200], 150) },
      { name: 'b.json', result: fakeCapacityRun([100, 200], 150) },
    ]);
    expect(merged.meta.capacity?.steps.map((s) => s.rate)).toEqual([200, 400]);
    expect(merged.meta.capacity?.highestPassingRate).toBe(200);
    expect(() =>
      mergeRunResults([
        { name: 'a.json', result: fakeCapacityRun([100, 200]) },
        { name: 'b.json', result: fakeCapacityRun([100]) },
      ]),
    ).toThrow(/capacity searches of different shapes/);
  });
});
