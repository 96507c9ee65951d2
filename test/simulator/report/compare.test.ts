import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../../simulator/report/compare.js';
import { fakeRun } from '../metrics/fake-run.js';

describe('compareRuns', () => {
  const before = fakeRun({ baseLatencyMs: 20, spreadMs: 80 });

  it('calls a run against itself the same', () => {
    const comparison = compareRuns(before, before);
    expect(comparison.verdict).toBe('same');
    expect(comparison.figures.find((f) => f.name === 'p99')).toMatchObject({
      change: 0,
      judgement: 'same',
    });
    expect(comparison.figures.find((f) => f.name === 'lost_logs')?.judgement).toBe(
      'not comparable',
    );
  });

  it('judges slower latency worse and faster better, beyond the tolerance', () => {
    const slower = fakeRun({ baseLatencyMs: 60, spreadMs: 80 });
    const worse = compareRuns(before, slower);
    expect(worse.verdict).toBe('worse');
    expect(worse.figures.find((f) => f.name === 'p50')?.judgement).toBe('worse');
    expect(compareRuns(slower, before).verdict).toBe('better');
    // A 50 % tolerance swallows the move in p99 (~100 ms -> ~140 ms).
    const p99 = compareRuns(before, slower, 0.5).figures.find((f) => f.name === 'p99');
    expect(p99?.judgement).toBe('same');
  });

  it('treats more errors as worse and any lost log as a regression', () => {
    const failing = fakeRun({ failEvery: 20 });
    const errors = compareRuns(before, failing).figures.find((f) => f.name === 'errors');
    expect(errors).toMatchObject({ judgement: 'worse' });
    expect(errors?.change).toBeCloseTo(0.05, 10);
    const clean = fakeRun({
      meta: { verify: { logsAcknowledged: 100, lost: 0, checkedAgents: 10 } },
    });
    const lossy = fakeRun({
      meta: { verify: { logsAcknowledged: 100, lost: 1, checkedAgents: 10 } },
    });
    const comparison = compareRuns(clean, lossy);
    expect(comparison.figures.find((f) => f.name === 'lost_logs')?.judgement).toBe('worse');
    expect(comparison.verdict).toBe('worse');
  });

  it('notes what makes runs hard to compare', () => {
    const other = fakeRun({ meta: { mode: 'rate', agents: 5 } });
    expect(compareRuns(before, other).notes.join('\n')).toMatch(
      /different modes.*\n.*different fleets/,
    );
    expect(() => compareRuns(before, before, 1.5)).toThrow(/tolerance/);
  });
});

describe('compareRuns against a rehearsal', () => {
  const rehearsal = fakeRun({
    meta: {
      options: {
        rehearsal: {
          projection: { ratePerSecond: 2_000, model: 'cores x 70 % / CPU per replication' },
          slo: { p99Ms: 250, errorRatio: 0.001 },
        },
      },
    },
  });
  const capacityRun = (highest: number | null) =>
    fakeRun({
      meta: {
        mode: 'capacity',
        intervalSeconds: null,
        capacity: { slos: ['p99<250ms'], steps: [], highestPassingRate: highest },
      },
    });

  it('says whether a deployed capacity search meets the projection, within the tolerance', () => {
    expect(compareRuns(rehearsal, capacityRun(1_950)).projection).toMatchObject({
      basis: 'capacity search',
      meets: true,
      measuredPerSecond: 1_950,
    });
    const short = compareRuns(rehearsal, capacityRun(1_500)).projection;
    expect(short).toMatchObject({ meets: false });
    expect(short?.reason).toMatch(/held 1,500\/s where 2,000\/s was projected/);
    expect(compareRuns(rehearsal, capacityRun(null)).projection?.meets).toBe(false);
  });

  it('checks a replayed scenario against the SLOs, and says it does not measure the limit', () => {
    const held = compareRuns(rehearsal, fakeRun()).projection;
    expect(held).toMatchObject({ basis: 'scenario', meets: true });
    expect(held?.reason).toMatch(/--find-capacity/);
    const slow = compareRuns(rehearsal, fakeRun({ baseLatencyMs: 400 })).projection;
    expect(slow).toMatchObject({ meets: false });
    // A plain run has no projection to check.
    expect(compareRuns(fakeRun(), fakeRun()).projection).toBeNull();
  });
});
