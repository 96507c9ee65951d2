import { describe, expect, it } from 'vitest';
import type { ReplicationSample, RunResult } from '../../../simulator/metrics/contract.js';
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
      for (const m of [shards[shard], whole]) {
        m?.recordReplication(sample);
        m?.count('logs_generated', 3);
      }
      clock.advance(1_000 / 60);
    }
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
